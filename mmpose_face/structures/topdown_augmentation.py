"""The random draws of top-down augmentation, shared by both training paths.

``RandomFlip`` and ``RandomBBoxTransform`` call these with numpy's global
generator (``random_state=np.random``), one face at a time, in mmpose
1.3.2's draw order, so the reference pipeline stays bit-identical to
mmpose's. The fast path (:mod:`mmpose_face.fast_path`) calls the same
functions for a whole batch with its own ``np.random.RandomState``.
"""
import numpy as np


def truncated_standard_normal(size, random_state=np.random) -> np.ndarray:
    """Standard normal samples truncated to [-1, 1] (rejection sampling), float32."""
    samples = random_state.randn(*size)
    outside = np.abs(samples) > 1
    while outside.any():
        samples[outside] = random_state.randn(int(outside.sum()))
        outside = np.abs(samples) > 1
    return samples.astype(np.float32)


def sample_flips(num_faces: int, prob: float, random_state=np.random) -> np.ndarray:
    """(N,) bool: which faces are mirrored, each with probability ``prob``."""
    return random_state.rand(num_faces) < prob


def sample_bbox_jitter(num_boxes: int, shift_factor: float, shift_prob: float, scale_factor, scale_prob: float,
                       rotate_factor: float, rotate_prob: float, random_state=np.random):
    """Shift (N, 2) in box sizes, scale (N, 1) factor, rotation (N,) degrees, float32.

    Each is a truncated normal in [-1, 1] times its range, applied with its
    probability: shift up to ``shift_factor`` box sizes, scale in
    ``scale_factor`` (low, high), rotation up to ``rotate_factor``.
    """
    shift = truncated_standard_normal((num_boxes, 2), random_state) * shift_factor
    shift = np.where(random_state.rand(num_boxes, 1) < shift_prob, shift, 0.)
    low, high = scale_factor
    scale = truncated_standard_normal((num_boxes, 1), random_state) * (high - low) * 0.5 + (high + low) * 0.5
    scale = np.where(random_state.rand(num_boxes, 1) < scale_prob, scale, 1.)
    rotation = truncated_standard_normal((num_boxes, ), random_state) * rotate_factor
    rotation = np.where(random_state.rand(num_boxes) < rotate_prob, rotation, 0.)
    return shift.astype(np.float32), scale.astype(np.float32), rotation.astype(np.float32)
