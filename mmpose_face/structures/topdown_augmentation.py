"""The random draws of top-down augmentation, shared by both training paths.

``RandomFlip`` and ``RandomBBoxTransform`` call these with numpy's global
generator (``random_state=None``), one face at a time, in mmpose
1.3.2's draw order, so the reference pipeline stays bit-identical to
mmpose's. The fast path (:mod:`mmpose_face.fast_path`) calls the same
functions for a whole batch with its own ``np.random.RandomState``.
"""
import numpy as np
from scipy.stats import truncnorm


def truncated_standard_normal(size, random_state=None) -> np.ndarray:
    """Standard normal samples truncated to [-1, 1], float32: scipy's
    ``truncnorm.rvs`` on ``random_state`` (None: numpy's global state), the
    sampler mmpose's ``RandomBBoxTransform`` uses, so the same seed draws
    the same numbers in both toolboxes."""
    return truncnorm.rvs(-1., 1., size=size, random_state=random_state).astype(np.float32)


def _uniform(random_state):
    return np.random if random_state is None else random_state


def sample_flips(num_faces: int, prob: float, random_state=None) -> np.ndarray:
    """(N,) bool: which faces are mirrored, each with probability ``prob``."""
    return _uniform(random_state).rand(num_faces) < prob


def sample_bbox_jitter(num_boxes: int, shift_factor: float, shift_prob: float, scale_factor, scale_prob: float,
                       rotate_factor: float, rotate_prob: float, random_state=None):
    """Shift (N, 2) in box sizes, scale (N, 1) factor, rotation (N,) degrees, float32.

    Each is a truncated normal in [-1, 1] times its range, applied with its
    probability: shift up to ``shift_factor`` box sizes, scale in
    ``scale_factor`` (low, high), rotation up to ``rotate_factor``.
    """
    uniform = _uniform(random_state)
    draws = truncated_standard_normal((num_boxes, 4), random_state)  # one call, mmpose's order
    shift = draws[:, :2] * shift_factor
    shift = np.where(uniform.rand(num_boxes, 1) < shift_prob, shift, 0.)
    low, high = scale_factor
    mean, half_range = (high + low) * 0.5, (high - low) * 0.5
    scale = draws[:, 2:3] * half_range + mean
    scale = np.where(uniform.rand(num_boxes, 1) < scale_prob, scale, 1.)
    rotation = draws[:, 3] * rotate_factor
    rotation = np.where(uniform.rand(num_boxes) < rotate_prob, rotation, 0.)
    return shift.astype(np.float32), scale.astype(np.float32), rotation.astype(np.float32)
