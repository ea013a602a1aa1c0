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
