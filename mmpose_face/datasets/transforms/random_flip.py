"""Horizontal mirroring of the image, the box and the landmarks."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmpose_face.registry import TRANSFORMS
from mmpose_face.structures import flip_keypoints_horizontal
from mmpose_face.structures.topdown_augmentation import sample_flips
from . import batch_stage as stages


@TRANSFORMS.register_module()
class RandomFlip(BaseTransform):
    """With probability ``prob``, mirror ``img``, ``bbox``, ``bbox_center`` and
    ``keypoints`` left-right; left/right points swap through ``flip_indices``.

    Sets ``flip`` and ``flip_direction``.

    Args (mmpose's, validated as mmpose does):
        prob: a float in [0, 1], or a list of floats (one per direction,
            summing to at most 1); anything else is a ValueError whose first
            sentence is mmpose's (its run of spaces from a line continuation
            inside mmpose's string made one).
        direction: 'horizontal', or a list of directions. mmpose's
            'vertical' and 'diagonal' pass its validation but are refused
            here (ValueError): faces are only mirrored left-right.
    """

    VALID_DIRECTIONS = ('horizontal', 'vertical', 'diagonal')
    batch_stage = stages.FLIP  # how the fast path batches it: sample_batch

    def __init__(self, prob=0.5, direction='horizontal'):
        super().__init__()
        if isinstance(prob, list):
            assert all(isinstance(p, float) for p in prob), f'RandomFlip: prob {prob} must be a list of floats'
            assert 0 <= sum(prob) <= 1, f'RandomFlip: the probabilities {prob} must sum to [0, 1]'
        elif isinstance(prob, float):
            assert 0 <= prob <= 1, f'RandomFlip: prob must be in [0, 1], got {prob}'
        else:
            raise ValueError(f'probs must be float or list of float, but got `{type(prob)}`. (RandomFlip: '
                             f'prob={prob!r}; give e.g. prob=0.5)')
        if isinstance(direction, str):
            assert direction in self.VALID_DIRECTIONS, f'RandomFlip: direction {direction!r} is not one of ' \
                f'{self.VALID_DIRECTIONS}'
            directions = [direction]
        elif isinstance(direction, list):
            assert all(isinstance(d, str) for d in direction) and set(direction) <= set(self.VALID_DIRECTIONS), (
                f'RandomFlip: directions {direction} must be some of {self.VALID_DIRECTIONS}')
            directions = direction
        else:
            raise ValueError(f'direction must be either str or list of str, but got `{type(direction)}`. '
                             f"(RandomFlip: direction={direction!r}; faces are mirrored with direction='horizontal')")
        if isinstance(prob, list):
            assert len(prob) == len(directions), f'RandomFlip: {len(prob)} probabilities for {len(directions)} directions'
        if set(directions) != {'horizontal'}:
            raise ValueError(f'RandomFlip: faces are only mirrored horizontally; direction {direction!r} '
                                      "is not supported (use direction='horizontal')")
        self.prob, self.direction = prob, direction

    def flip_drawn(self) -> bool:
        """One uniform draw, as mmpose's ``np.random.choice(directions + [None], p=...)``."""
        if isinstance(self.prob, float):
            return bool(sample_flips(1, self.prob)[0])
        choices = list(self.direction if isinstance(self.direction, list) else [self.direction]) + [None]
        return np.random.choice(choices, p=self.prob + [1. - sum(self.prob)]) is not None

    def sample_batch(self, num_faces: int, random_state: np.random.RandomState) -> np.ndarray:
        """(B,) bool: the faces of a batch mirrored, one uniform draw each from
        ``random_state`` (a face's draw is :meth:`flip_drawn`'s; only 'horizontal' is allowed)."""
        prob = sum(self.prob) if isinstance(self.prob, list) else self.prob
        return sample_flips(num_faces, prob, random_state)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob}, direction={self.direction})'

    def transform(self, results: dict) -> dict:
        flip = self.flip_drawn()
        results['flip'] = bool(flip)
        results['flip_direction'] = 'horizontal' if flip else None
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
