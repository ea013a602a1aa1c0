"""Random shift, scale and rotation of the crop box (not of the image)."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmpose_face.registry import TRANSFORMS
from mmpose_face.structures.topdown_augmentation import sample_bbox_jitter
from . import batch_stage as stages


@TRANSFORMS.register_module()
class RandomBBoxTransform(BaseTransform):
    """Jitter ``bbox_center``/``bbox_scale`` and draw ``bbox_rotation`` (degrees).

    Each factor is a truncated normal in [-1, 1] times its range, applied
    with its probability: centre shift ``shift_factor`` x box size, scale
    in ``scale_factor`` (low, high), rotation up to ``rotate_factor``.
    """

    batch_stage = stages.BOX_JITTER  # how the fast path batches it: sample_parameters, jitter_bounds

    def __init__(self, shift_factor: float = 0.16, shift_prob: float = 0.3,
                 scale_factor=(0.5, 1.5), scale_prob: float = 1.0,
                 rotate_factor: float = 80.0, rotate_prob: float = 0.6):
        super().__init__()
        self.shift_factor, self.shift_prob = shift_factor, shift_prob
        self.scale_factor, self.scale_prob = scale_factor, scale_prob
        self.rotate_factor, self.rotate_prob = rotate_factor, rotate_prob

    def sample_parameters(self, num_boxes: int, random_state: np.random.RandomState = None):
        """Shift (N, 2) in box sizes, scale (N, 1) factor, rotation (N,) degrees,
        from ``random_state`` (None: numpy's global generator, as mmpose)."""
        return sample_bbox_jitter(num_boxes, self.shift_factor, self.shift_prob, self.scale_factor,
                                  self.scale_prob, self.rotate_factor, self.rotate_prob, random_state)

    def jitter_bounds(self) -> dict:
        """The strongest draw: ``max_shift`` box sizes, ``scale_range`` (low, high)
        factors, ``max_rotation`` degrees (a factor never applied, probability 0,
        counts as none; one applied with probability < 1 can also be the identity)."""
        low, high = (float(v) for v in self.scale_factor)
        if self.scale_prob <= 0:
            low = high = 1.
        elif self.scale_prob < 1:
            low, high = min(low, 1.), max(high, 1.)
        return dict(max_shift=float(self.shift_factor) if self.shift_prob > 0 else 0.,
                    scale_range=(low, high),
                    max_rotation=float(abs(self.rotate_factor)) if self.rotate_prob > 0 else 0.)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(shift_prob={self.shift_prob}, shift_factor={self.shift_factor}, '
                f'scale_prob={self.scale_prob}, scale_factor={self.scale_factor}, '
                f'rotate_prob={self.rotate_prob}, rotate_factor={self.rotate_factor})')

    def transform(self, results: dict) -> dict:
        bbox_scale = results['bbox_scale']
        shift, scale, rotation = self.sample_parameters(bbox_scale.shape[0])
        results['bbox_center'] = results['bbox_center'] + shift * bbox_scale
        results['bbox_scale'] = bbox_scale * scale
        results['bbox_rotation'] = rotation
        return results
