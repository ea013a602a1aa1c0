"""Horizontal mirroring of the image, the box and the landmarks."""
import cv2
import numpy as np

from mmpose_face.registry import TRANSFORMS
from mmpose_face.structures import flip_keypoints_horizontal
from mmpose_face.structures.topdown_augmentation import sample_flips


@TRANSFORMS.register_module()
class RandomFlip:
    """With probability ``prob``, mirror ``img``, ``bbox``, ``bbox_center`` and
    ``keypoints`` left-right; left/right points swap through ``flip_indices``.

    Sets ``flip`` and ``flip_direction``.
    """

    def __init__(self, prob: float = 0.5, direction: str = 'horizontal'):
        if direction != 'horizontal':
            raise ValueError(f"RandomFlip: only 'horizontal' is supported for faces, got {direction!r}")
        self.prob, self.direction = prob, direction

    def __call__(self, results: dict) -> dict:
        flip = sample_flips(1, self.prob)[0]
        results['flip'] = bool(flip)
        results['flip_direction'] = self.direction if flip else None
        if not flip:
            return results
        width = results['img'].shape[1]
        results['img'] = cv2.flip(results['img'], 1)
        mirror = width - 1
        if 'bbox' in results:
            bbox = np.asarray(results['bbox'], dtype=np.float32).copy()
            bbox[:, [0, 2]] = mirror - bbox[:, [2, 0]]
            results['bbox'] = bbox
        if 'bbox_center' in results:
            center = np.asarray(results['bbox_center'], dtype=np.float32).copy()
            center[:, 0] = mirror - center[:, 0]
            results['bbox_center'] = center
        if results.get('keypoints') is not None:
            results['keypoints'], results['keypoints_visible'] = flip_keypoints_horizontal(
                results['keypoints'], results['keypoints_visible'], width, results['flip_indices'])
        return results
