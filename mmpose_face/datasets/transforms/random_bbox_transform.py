"""Random shift, scale and rotation of the crop box (not of the image)."""
from mmpose_face.registry import TRANSFORMS
from mmpose_face.structures.topdown_augmentation import sample_bbox_jitter


@TRANSFORMS.register_module()
class RandomBBoxTransform:
    """Jitter ``bbox_center``/``bbox_scale`` and draw ``bbox_rotation`` (degrees).

    Each factor is a truncated normal in [-1, 1] times its range, applied
    with its probability: centre shift ``shift_factor`` x box size, scale
    in ``scale_factor`` (low, high), rotation up to ``rotate_factor``.
    """

    def __init__(self, shift_factor: float = 0.16, shift_prob: float = 0.3,
                 scale_factor=(0.5, 1.5), scale_prob: float = 1.0,
                 rotate_factor: float = 80.0, rotate_prob: float = 0.6):
        self.shift_factor, self.shift_prob = shift_factor, shift_prob
        self.scale_factor, self.scale_prob = tuple(scale_factor), scale_prob
        self.rotate_factor, self.rotate_prob = rotate_factor, rotate_prob

    def sample_parameters(self, num_boxes: int):
        """Shift (N, 2) in box sizes, scale (N, 1) factor, rotation (N,) degrees."""
        return sample_bbox_jitter(num_boxes, self.shift_factor, self.shift_prob, self.scale_factor,
                                  self.scale_prob, self.rotate_factor, self.rotate_prob)

    def __call__(self, results: dict) -> dict:
        bbox_scale = results['bbox_scale']
        shift, scale, rotation = self.sample_parameters(bbox_scale.shape[0])
        results['bbox_center'] = results['bbox_center'] + shift * bbox_scale
        results['bbox_scale'] = bbox_scale * scale
        results['bbox_rotation'] = rotation
        return results
