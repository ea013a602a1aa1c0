"""Faces followed across video frames: one ``track_id`` per face, boxes carried from the landmarks.

Per frame :meth:`FaceTracker.update`:

1. the boxes: the detector's on a detection frame (the first, then every
   ``detect_every`` frames, and whenever a track was lost), otherwise each
   track's box carried from its landmarks of the previous frame;
2. detections are matched to the tracks by IoU (greedy, highest first, at
   least ``iou_threshold``): a matched detection continues its track, an
   unmatched one starts a new track (a new ``track_id``), a track no
   detection matches ends;
3. the landmarks of every box (``predict``);
4. a track whose landmarks are doubtful (mean keypoint score below
   ``min_keypoint_score``) or whose box has mostly left the image is lost:
   on a carried frame the detector runs again on this frame at once;
5. each track's landmarks smoothed by its own
   :class:`~mmpose_face.apis.landmark_smoothing.OneEuroLandmarkFilter`: a new
   track starts a new filter, so nothing is smoothed across a track change.

A carried box keeps the track's last detection box's placement relative to
the landmarks (centre offset and size, as fractions of the landmark box), so
the crops the model sees stay those of the detector's boxes.
"""
from dataclasses import dataclass, field

import numpy as np

from .landmark_smoothing import DEFAULT_BETA, DEFAULT_MIN_CUTOFF, OneEuroLandmarkFilter

DEFAULT_DETECT_EVERY = 10  # frames
DEFAULT_IOU_THRESHOLD = 0.3
DEFAULT_MIN_KEYPOINT_SCORE = 0.2  # mean over the face; heads without scores give 1.0
MIN_FRACTION_INSIDE = 0.5  # of a carried box's area, or the track is lost


def box_iou(boxes_a: np.ndarray, boxes_b: np.ndarray) -> np.ndarray:
    """(N, M) intersection over union of xyxy boxes (N, 4) and (M, 4)."""
    a, b = np.asarray(boxes_a, np.float64).reshape(-1, 4), np.asarray(boxes_b, np.float64).reshape(-1, 4)
    top_left = np.maximum(a[:, None, :2], b[None, :, :2])
    bottom_right = np.minimum(a[:, None, 2:], b[None, :, 2:])
    intersection = np.clip(bottom_right - top_left, 0, None).prod(axis=2)
    area_a, area_b = (a[:, 2:] - a[:, :2]).prod(axis=1), (b[:, 2:] - b[:, :2]).prod(axis=1)
    return intersection / np.maximum(area_a[:, None] + area_b[None] - intersection, 1e-9)


def match_by_iou(track_boxes: np.ndarray, detection_boxes: np.ndarray, iou_threshold: float) -> list:
    """``[(track index, detection index), ...]``: greedy one-to-one matching, highest IoU first."""
    iou = box_iou(track_boxes, detection_boxes)
    pairs = []
    while iou.size and iou.max() >= iou_threshold:
        track, detection = np.unravel_index(np.argmax(iou), iou.shape)
        pairs.append((int(track), int(detection)))
        iou[track, :], iou[:, detection] = -1, -1
    return pairs


def landmark_box(keypoints: np.ndarray) -> np.ndarray:
    """(4,) xyxy box of (K, 2) landmarks, at least 1 px wide and high."""
    low, high = keypoints.min(axis=0), keypoints.max(axis=0)
    return np.concatenate([low, np.maximum(high, low + 1)])


def box_placement(box: np.ndarray, keypoints: np.ndarray) -> np.ndarray:
    """(4,) where ``box`` sits on the landmark box: centre offset (x, y) and size (w, h), in landmark-box sizes."""
    reference = landmark_box(keypoints)
    size = reference[2:] - reference[:2]
    centre_offset = ((box[:2] + box[2:]) - (reference[:2] + reference[2:])) / 2 / size
    return np.concatenate([centre_offset, (box[2:] - box[:2]) / size])


def carried_box(placement: np.ndarray, keypoints: np.ndarray) -> np.ndarray:
    """(4,) xyxy: the box placed on ``keypoints`` (K, 2) as :func:`box_placement` measured it."""
    reference = landmark_box(keypoints)
    size = reference[2:] - reference[:2]
    centre = (reference[:2] + reference[2:]) / 2 + placement[:2] * size
    half = placement[2:] * size / 2
    return np.concatenate([centre - half, centre + half])


def fraction_inside(box: np.ndarray, image_size) -> float:
    """Fraction of ``box``'s (xyxy) area inside an image ``(width, height)``."""
    width, height = image_size
    inside = np.clip(box, [0, 0, 0, 0], [width, height, width, height])
    area = max(float((box[2] - box[0]) * (box[3] - box[1])), 1e-9)
    return max(0., float((inside[2] - inside[0]) * (inside[3] - inside[1]))) / area


@dataclass
class FaceTrack:
    """One face followed over frames: its id, carried box and detection score, its filter."""
    track_id: int
    box: np.ndarray
    score: float
    placement: np.ndarray = None
    smoother: OneEuroLandmarkFilter = None


@dataclass
class TrackedFaces:
    """The faces of one frame.

    Attributes:
        boxes: (N, 4) xyxy pixels, the boxes the landmarks were predicted in.
        scores: (N,) the detector's score of the track's last detection.
        keypoints: (N, K, 2) pixels, smoothed when the tracker smooths.
        keypoint_scores: (N, K) or ``None`` (a model without scores).
        track_ids: (N,) int, the same number for the same face across frames.
        raw_keypoints: (N, K, 2) pixels, the model's landmarks before smoothing.
        detected: whether the detector ran on this frame.
        data_samples: the per-face items ``predict`` returned third (e.g. the
            predictor's ``PoseDataSample`` list), ``None`` when it returns two.
    """
    boxes: np.ndarray
    scores: np.ndarray
    keypoints: np.ndarray
    keypoint_scores: np.ndarray
    track_ids: np.ndarray
    raw_keypoints: np.ndarray
    detected: bool = False
    data_samples: list = None


@dataclass
class FaceTracker:
    """``tracker.update(image_bgr, dt)`` -> :class:`TrackedFaces`; steps in the module docstring.

    Args:
        detect: ``image_bgr -> (boxes (N, 4) xyxy pixels, scores (N,))``.
        predict: ``(image_bgr, boxes (N, 4) xyxy) -> (keypoints (N, K, 2) pixels, keypoint_scores (N, K)
            or None)``, optionally with a third item, N per-face objects passed on as ``data_samples``.
        detect_every: run the detector every this many frames (1: every frame).
        iou_threshold: least IoU of a detection with a track's box to continue it.
        min_keypoint_score: a face whose mean keypoint score is lower is lost.
        smooth: smooth each track's landmarks with a One-Euro filter.
        min_cutoff, beta: the filter's parameters (Hz; Hz per pixel/second).
    """
    detect: object
    predict: object
    detect_every: int = DEFAULT_DETECT_EVERY
    iou_threshold: float = DEFAULT_IOU_THRESHOLD
    min_keypoint_score: float = DEFAULT_MIN_KEYPOINT_SCORE
    smooth: bool = True
    min_cutoff: float = DEFAULT_MIN_CUTOFF
    beta: float = DEFAULT_BETA
    tracks: list = field(default_factory=list)
    frames_since_detection: int = 0
    next_track_id: int = 0

    def __post_init__(self):
        if int(self.detect_every) < 1:
            raise ValueError(f'detect_every must be >= 1 (frames), got {self.detect_every}')
        if self.smooth:
            OneEuroLandmarkFilter(self.min_cutoff, self.beta)  # refuses bad parameters now, not at frame 1

    def reset(self) -> None:
        """Forget every track (a new video)."""
        self.tracks, self.frames_since_detection = [], 0

    def _new_track(self, box, score) -> FaceTrack:
        track = FaceTrack(self.next_track_id, np.asarray(box, np.float64), float(score))
        if self.smooth:
            track.smoother = OneEuroLandmarkFilter(self.min_cutoff, self.beta)
        self.next_track_id += 1
        return track

    def _match_detections(self, image_bgr) -> list:
        boxes, scores = self.detect(image_bgr)
        boxes, scores = np.asarray(boxes, np.float64).reshape(-1, 4), np.asarray(scores, np.float64).reshape(-1)
        previous = np.stack([track.box for track in self.tracks]) if self.tracks else np.zeros((0, 4))
        tracks = [None] * len(boxes)
        for track_index, detection in match_by_iou(previous, boxes, self.iou_threshold):
            track = self.tracks[track_index]
            track.box, track.score = boxes[detection], float(scores[detection])
            tracks[detection] = track
        return [track or self._new_track(box, score) for track, box, score in zip(tracks, boxes, scores)]

    def _is_lost(self, keypoints, keypoint_scores) -> bool:
        if keypoint_scores is not None and float(np.mean(keypoint_scores)) < self.min_keypoint_score:
            return True
        return not np.isfinite(keypoints).all()

    def update(self, image_bgr: np.ndarray, dt: float) -> TrackedFaces:
        """The faces of the next frame, ``dt`` seconds after the previous one."""
        image_size = (image_bgr.shape[1], image_bgr.shape[0])
        detected = (not self.tracks or self.frames_since_detection + 1 >= self.detect_every)
        if detected:
            self.tracks, self.frames_since_detection = self._match_detections(image_bgr), 0
        else:
            self.frames_since_detection += 1
        keypoints, keypoint_scores, data_samples = self._predict(image_bgr)
        lost = [self._is_lost(keypoints[i], None if keypoint_scores is None else keypoint_scores[i])
                for i in range(len(self.tracks))]
        if any(lost) and not detected:  # a lost track: look for the faces again on this frame
            detected = True
            self.tracks, self.frames_since_detection = self._match_detections(image_bgr), 0
            keypoints, keypoint_scores, data_samples = self._predict(image_bgr)
            lost = [False] * len(self.tracks)  # fresh detections are kept for this frame
        boxes = np.stack([track.box for track in self.tracks]) if self.tracks else np.zeros((0, 4))
        output = TrackedFaces(boxes.astype(np.float32), np.array([t.score for t in self.tracks], np.float32),
                              keypoints.copy(), keypoint_scores,
                              np.array([t.track_id for t in self.tracks], np.int64), keypoints, detected,
                              data_samples)
        for index, track in enumerate(self.tracks):
            if track.smoother is not None:
                output.keypoints[index] = track.smoother(keypoints[index], dt)
            if detected:
                track.placement = box_placement(track.box, keypoints[index])
            track.box = carried_box(track.placement, keypoints[index])
            if fraction_inside(track.box, image_size) < MIN_FRACTION_INSIDE:
                lost[index] = True
        if any(lost):  # the next frame detects again
            self.tracks = [track for track, is_lost in zip(self.tracks, lost) if not is_lost]
            self.frames_since_detection = self.detect_every
        return output

    def _predict(self, image_bgr):
        """``(keypoints, keypoint_scores, data samples or None)`` of the tracks' boxes."""
        if not self.tracks:
            return np.zeros((0, 0, 2), np.float32), None, None
        boxes = np.stack([track.box for track in self.tracks]).astype(np.float32)
        keypoints, keypoint_scores, *data_samples = self.predict(image_bgr, boxes)
        return (np.asarray(keypoints, np.float32),
                None if keypoint_scores is None else np.asarray(keypoint_scores, np.float32),
                data_samples[0] if data_samples else None)
