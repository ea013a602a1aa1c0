"""A synthetic shaky video with known landmark motion: one still image and its landmarks, moved frame by frame.

Each frame is the still warped by a known affine (sub-pixel shifts and small
rotations about the face centre); the true landmarks are the reference
landmarks moved by the same affine, so the error of a prediction on every
frame is known. Two motions:

- :func:`steady_pan`: a constant sub-pixel shift and a slow rotation per frame;
- :func:`fast_turn`: still, then a few frames of a large shift and rotation, then still.

:func:`jitter_figures` measures what smoothing is judged by: the standard
deviation over time of (predicted - true) positions, and the lag in frames.
"""
import cv2
import numpy as np


def affine_about(centre, shift_xy, rotation_deg) -> np.ndarray:
    """(2, 3) rotation by ``rotation_deg`` (clockwise in the image) about ``centre``, then a shift (pixels)."""
    matrix = cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), -float(rotation_deg), 1.0)
    matrix[:, 2] += shift_xy
    return matrix


def steady_pan(num_frames: int, centre, shift_per_frame=(0.3, 0.1), rotation_per_frame: float = 0.02) -> np.ndarray:
    """(T, 2, 3) affines of a steady pan: frame t shifted by ``t * shift_per_frame`` px and
    rotated by ``t * rotation_per_frame`` degrees about ``centre``."""
    return np.stack([affine_about(centre, t * np.asarray(shift_per_frame, np.float64), t * rotation_per_frame)
                     for t in range(num_frames)])


def fast_turn(num_frames: int, centre, start: int, length: int = 8, shift_per_frame=(12., 3.),
              rotation_per_frame: float = 2.0) -> np.ndarray:
    """(T, 2, 3) affines: still until ``start``, then ``length`` frames of ``shift_per_frame`` px and
    ``rotation_per_frame`` degrees each, then still at the end position."""
    moving = np.clip(np.arange(num_frames) - start, 0, length)
    return np.stack([affine_about(centre, k * np.asarray(shift_per_frame, np.float64), k * rotation_per_frame)
                     for k in moving])


def move_points(points: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """(K, 2) pixels moved by a (2, 3) affine."""
    return np.asarray(points, np.float64) @ affine[:, :2].T + affine[:, 2]


def true_landmarks(landmarks: np.ndarray, affines: np.ndarray) -> np.ndarray:
    """(T, K, 2): the reference landmarks (K, 2) in every frame."""
    return np.stack([move_points(landmarks, affine) for affine in affines])


def shaky_frames(image_bgr: np.ndarray, affines: np.ndarray, rng=None, sensor_noise: float = 2.0):
    """Yield the frames (H, W, 3) uint8: the still warped (bilinear, edges replicated) by each affine,
    plus Gaussian sensor noise of ``sensor_noise`` grey levels drawn anew per frame (a camera's)."""
    height, width = image_bgr.shape[:2]
    rng = rng or np.random.default_rng(0)
    for affine in affines:
        frame = cv2.warpAffine(image_bgr, affine, (width, height), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        if sensor_noise:
            frame += rng.normal(0, sensor_noise, frame.shape).astype(np.float32)
        yield np.clip(np.round(frame), 0, 255).astype(np.uint8)


def jitter_figures(predicted: np.ndarray, true: np.ndarray) -> dict:
    """Of predictions (T, K, 2) against the truth (T, K, 2), pixels:

    - ``jitter_px``: std over time of (predicted - true), averaged over points and x/y;
    - ``lag_frames``: how many frames the prediction trails the motion, the
      least-squares ``lag`` of ``predicted - true = -lag * velocity`` (velocity
      per frame from the truth); ``nan`` for a still face;
    - ``frame_to_frame_jitter_px``: the part of the jitter that changes from
      frame to frame, std of the error's second difference over ``sqrt(6)``
      (equal to ``jitter_px`` for white noise; a model's slowly drifting
      error, which no filter can remove, leaves it out);
    - ``rms_px``: root mean square of (predicted - true).

    On a steady pan a constant error along the motion also reads as lag: for
    a model with a bias, take the lag of the smoothed points against the raw
    ones (:func:`lag_frames`).
    """
    error = np.asarray(predicted, np.float64) - true
    second_difference = np.diff(error, n=2, axis=0)
    return dict(jitter_px=float(error.std(axis=0).mean()), lag_frames=lag_frames(predicted, true),
                frame_to_frame_jitter_px=float(second_difference.std(axis=0).mean() / np.sqrt(6))
                if len(error) > 2 else float('nan'),
                rms_px=float(np.sqrt((error ** 2).mean())))


def lag_frames(predicted: np.ndarray, reference: np.ndarray, velocity_of: np.ndarray = None) -> float:
    """Least-squares ``lag`` (frames) of ``predicted - reference = -lag * velocity``, the velocity
    per frame of ``velocity_of`` (default: ``reference``), all (T, K, 2); ``nan`` when still."""
    velocity = np.gradient(np.asarray(reference if velocity_of is None else velocity_of, np.float64), axis=0)
    speed_squared = float((velocity ** 2).sum())
    error = np.asarray(predicted, np.float64) - reference
    return -float((error * velocity).sum()) / speed_squared if speed_squared > 1e-12 else float('nan')
