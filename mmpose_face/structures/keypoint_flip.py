"""Mirroring landmarks: coordinates reflect and left/right points swap names."""
import numpy as np


def flip_keypoints_horizontal(keypoints: np.ndarray, keypoints_visible: np.ndarray,
                              image_width: int, flip_indices):
    """Mirror (N, K, 2) pixel keypoints in an image ``image_width`` wide.

    Pixel centres are integers, so column ``x`` maps to ``width - 1 - x``
    (the column that ``cv2.flip`` moves it to). ``flip_indices[k]`` is the
    point that becomes point ``k`` (e.g. a left eye corner becomes the right one).
    """
    flipped = keypoints[:, flip_indices].copy()
    flipped[..., 0] = image_width - 1 - flipped[..., 0]
    return flipped, keypoints_visible[:, flip_indices].copy()


def flip_keypoints(keypoints: np.ndarray, keypoints_visible: np.ndarray, image_size, flip_indices,
                   direction: str = 'horizontal'):
    """mmpose's helper: mirror (..., K, D) pixel keypoints in an image of
    ``image_size`` (w, h), and their visibilities (..., K).

    'horizontal': x -> w - 1 - x, 'vertical': y -> h - 1 - y (both swap the
    points through ``flip_indices``), 'diagonal': both coordinates, the
    points keep their indices (as mmpose). Returns copies.
    """
    ndim = keypoints.ndim
    assert keypoints_visible is None or keypoints.shape[:-1] == keypoints_visible.shape[:ndim - 1], (
        f'flip_keypoints: keypoints {keypoints.shape} and keypoints_visible {keypoints_visible.shape} do not match')
    assert direction in ('horizontal', 'vertical', 'diagonal'), (
        f'flip_keypoints: direction {direction!r} is not horizontal, vertical or diagonal')
    if direction in ('horizontal', 'vertical'):
        keypoints = keypoints.take(flip_indices, axis=ndim - 2)
        if keypoints_visible is not None:
            keypoints_visible = keypoints_visible.take(flip_indices, axis=ndim - 2)
    w, h = image_size
    if direction == 'horizontal':
        keypoints[..., 0] = w - 1 - keypoints[..., 0]
    elif direction == 'vertical':
        keypoints[..., 1] = h - 1 - keypoints[..., 1]
    else:
        keypoints = np.array([w, h]) - keypoints - 1
    return keypoints, keypoints_visible
