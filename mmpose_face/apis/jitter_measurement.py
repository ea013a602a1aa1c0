"""How much the video path's landmarks jitter and lag, on a shaky video whose true motion is known.

:func:`measure_tracked_jitter` runs the
:class:`~mmpose_face.apis.face_tracking.FaceTracker` (boxes carried from
the landmarks, a "detector" every ``detect_every`` frames that gives the
true face box, as a perfect detector would) over the frames of
:mod:`~mmpose_face.data_preparation.synthetic.shaky_video` and compares the
raw and the smoothed landmarks of the one face with the truth
(:func:`~mmpose_face.data_preparation.synthetic.shaky_video.jitter_figures`).

``predict`` is the model's ``(image, boxes) -> (keypoints, scores)``, or
:func:`known_noise_predictor`: the truth plus Gaussian noise of a known
size, a stand-in when no trained model is at hand.
"""
import numpy as np

from mmpose_face.data_preparation.synthetic.shaky_video import jitter_figures, lag_frames
from .face_tracking import FaceTracker
from .landmark_smoothing import DEFAULT_BETA, DEFAULT_MIN_CUTOFF

DETECTOR_BOX_MARGIN = 0.1  # of the landmark box's size on each side, about what face detectors give


def true_face_box(points: np.ndarray) -> np.ndarray:
    """(1, 4) xyxy: the landmark box of (K, 2) points, widened by ``DETECTOR_BOX_MARGIN`` on each side."""
    low, high = points.min(axis=0), points.max(axis=0)
    margin = (high - low) * DETECTOR_BOX_MARGIN
    return np.concatenate([low - margin, high + margin])[None]


def known_noise_predictor(true: np.ndarray, noise_px: float, frame_index, rng=None):
    """``predict(image, boxes)`` giving, for every box, the current frame's true points (K, 2) plus
    Gaussian noise of ``noise_px`` pixels; ``frame_index()`` says which frame is current."""
    rng = rng or np.random.default_rng(0)

    def predict(image, boxes):
        points = true[frame_index()]
        keypoints = points[None] + rng.normal(0, noise_px, (len(boxes),) + points.shape)
        return keypoints.astype(np.float32), np.ones(keypoints.shape[:2], np.float32)
    return predict


def measure_tracked_jitter(frames, true: np.ndarray, predict, fps: float = 30., detect_every: int = 10,
                           min_cutoff: float = DEFAULT_MIN_CUTOFF, beta: float = DEFAULT_BETA,
                           settle_frames: int = 0, window: slice = None, frame_counter: list = None) -> dict:
    """Raw and smoothed landmarks of one tracked face against the truth.

    Args:
        frames: iterable of (H, W, 3) images (only passed to ``predict``).
        true: (T, K, 2) true landmarks per frame (pixels).
        predict: ``(image, boxes (N, 4)) -> (keypoints (N, K, 2), scores (N, K))``.
        settle_frames: frames left out of the figures at the start (the filter learns the speed).
        window: frames the figures are taken over (default: after ``settle_frames``).
        frame_counter: a one-item list that is set to the current frame index (for a stand-in predictor).

    Returns:
        ``{'raw': figures, 'smoothed': figures, 'filter_lag_frames', 'track_ids': (T,) ids,
        'raw_keypoints', 'smoothed_keypoints'}``; ``filter_lag_frames``: the lag of the smoothed
        landmarks behind the raw ones (what the filter adds, apart from a model's bias).
    """
    tracker = FaceTracker(lambda image: (true_face_box(true[counter[0]]), np.ones(1)), predict,
                          detect_every=detect_every, smooth=True, min_cutoff=min_cutoff, beta=beta)
    counter = frame_counter if frame_counter is not None else [0]
    raw, smoothed, track_ids = [], [], []
    for index, image in enumerate(frames):
        counter[0] = index
        faces = tracker.update(image, 1. / fps)
        if len(faces.track_ids) != 1:
            raise RuntimeError(f'frame {index}: {len(faces.track_ids)} faces tracked, expected the one face')
        raw.append(faces.raw_keypoints[0])
        smoothed.append(faces.keypoints[0])
        track_ids.append(int(faces.track_ids[0]))
    raw, smoothed = np.stack(raw), np.stack(smoothed)
    window = window or slice(settle_frames, None)
    return dict(raw=jitter_figures(raw[window], true[window]), smoothed=jitter_figures(smoothed[window], true[window]),
                filter_lag_frames=lag_frames(smoothed[window], raw[window], velocity_of=true[window]),
                track_ids=np.array(track_ids), raw_keypoints=raw, smoothed_keypoints=smoothed)
