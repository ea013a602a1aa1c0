"""mmpose's half-body crop: at random, the box shrinks to the upper or the lower body's points.

On a face data set the description marks no point ``upper`` or ``lower``
(``upper_body_ids`` and ``lower_body_ids`` are empty), so the box never
changes; the step still draws its coins from numpy's global generator, as
mmpose 1.3.2's does, so the draws of the steps after it (``RandomBBoxTransform``)
are the same as mmpose's for the same seed. mmpose's Face6 configs list it.
"""
from typing import List, Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmpose_face.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomHalfBody(BaseTransform):
    """Replace ``bbox_center`` / ``bbox_scale`` (N, 2) pixels of some instances by
    the box of their visible upper-body or lower-body keypoints.

    Reads ``keypoints`` (N, K, 2) pixels, ``keypoints_visible`` (N, K) or
    (N, K, 2) (visibility, weight), ``upper_body_ids``, ``lower_body_ids``.

    Args (mmpose's, same defaults):
        min_total_keypoints: an instance with fewer visible keypoints keeps its box
            (and draws nothing).
        min_upper_keypoints: fewest visible upper-body points for an upper-body box.
        min_lower_keypoints: fewest visible lower-body points for a lower-body box.
        padding: the half-body box's size is the points' extent times this.
        prob: chance of a half-body box for an instance with enough points.
        upper_prioritized_prob: chance of choosing the upper body when both halves qualify.
    """

    def __init__(self, min_total_keypoints: int = 9, min_upper_keypoints: int = 2, min_lower_keypoints: int = 3,
                 padding: float = 1.5, prob: float = 0.3, upper_prioritized_prob: float = 0.7) -> None:
        super().__init__()
        self.min_total_keypoints = min_total_keypoints
        self.min_upper_keypoints = min_upper_keypoints
        self.min_lower_keypoints = min_lower_keypoints
        self.padding = padding
        self.prob = prob
        self.upper_prioritized_prob = upper_prioritized_prob

    def _get_half_body_bbox(self, keypoints: np.ndarray, half_body_ids: List[int]):
        """Centre (2,) = the points' mean, scale (2,) = their extent x ``padding``, pixels."""
        selected = keypoints[half_body_ids]
        center = selected.mean(axis=0)[:2]
        extent = selected.max(axis=0)[:2] - selected.min(axis=0)[:2]
        return center, np.asarray(extent, dtype=center.dtype) * self.padding

    @cache_randomness
    def _random_select_half_body(self, keypoints_visible: np.ndarray, upper_body_ids: List[int],
                                 lower_body_ids: List[int]) -> List[Optional[List[int]]]:
        """For each instance: the keypoint ids of its half-body box, or None (keep the box).

        Draws, per instance with enough visible points, one coin against
        ``prob`` and, when it passes, one against ``upper_prioritized_prob``
        (drawn even when neither half has enough points, as mmpose).
        """
        if keypoints_visible.ndim == 3:
            keypoints_visible = keypoints_visible[..., 0]
        chosen = []
        for visible in keypoints_visible:
            if visible.sum() < self.min_total_keypoints or np.random.rand() > self.prob:
                chosen.append(None)
                continue
            upper = [i for i in upper_body_ids if visible[i] > 0]
            lower = [i for i in lower_body_ids if visible[i] > 0]
            prefer_upper = np.random.rand() < self.upper_prioritized_prob
            upper_ok = len(upper) >= self.min_upper_keypoints
            lower_ok = len(lower) >= self.min_lower_keypoints
            if not upper_ok and not lower_ok:
                chosen.append(None)
            elif not lower_ok:
                chosen.append(upper)
            elif not upper_ok:
                chosen.append(lower)
            else:
                chosen.append(upper if prefer_upper else lower)
        return chosen

    def transform(self, results: dict) -> dict:
        chosen = self._random_select_half_body(results['keypoints_visible'], results['upper_body_ids'],
                                               results['lower_body_ids'])
        centers, scales = [], []
        for i, ids in enumerate(chosen):
            if ids is None:
                centers.append(results['bbox_center'][i])
                scales.append(results['bbox_scale'][i])
            else:
                center, scale = self._get_half_body_bbox(results['keypoints'][i], ids)
                centers.append(center)
                scales.append(scale)
        results['bbox_center'] = np.stack(centers)
        results['bbox_scale'] = np.stack(scales)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(min_total_keypoints={self.min_total_keypoints}, '
                f'min_upper_keypoints={self.min_upper_keypoints}, min_lower_keypoints={self.min_lower_keypoints}, '
                f'padding={self.padding}, prob={self.prob}, upper_prioritized_prob={self.upper_prioritized_prob})')
