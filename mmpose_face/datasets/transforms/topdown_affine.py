"""Cutting the face crop out of the photograph."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmpose_face.registry import TRANSFORMS
from mmpose_face.structures import fix_aspect_ratio, get_warp_matrix
from . import batch_stage as stages


@TRANSFORMS.register_module()
class TopdownAffine(BaseTransform):
    """Warp the box (centre, scale, rotation) to an ``input_size`` (w, h) crop.

    Sets ``img`` (h, w, 3), ``transformed_keypoints`` (1, K, 2) crop pixels,
    and ``input_size``, ``input_center``, ``input_scale`` (the box after
    widening to the crop's aspect ratio), which decoding needs to map
    predictions back to the image.
    """

    batch_stage = stages.WARP  # how the fast path batches it

    def __init__(self, input_size, use_udp: bool = False):
        super().__init__()
        assert (isinstance(input_size, (tuple, list)) and len(input_size) == 2
                and all(isinstance(v, int) for v in input_size)), f'TopdownAffine: invalid input_size {input_size}'
        if use_udp:
            raise NotImplementedError('TopdownAffine: use_udp is not supported by DeepPose regression')
        self.input_size = input_size
        self.use_udp = use_udp

    def __repr__(self) -> str:
        return f'{type(self).__name__}(input_size={self.input_size}, use_udp={self.use_udp})'

    def transform(self, results: dict) -> dict:
        w, h = self.input_size
        results['bbox_scale'] = fix_aspect_ratio(results['bbox_scale'], w / h)
        center, scale = results['bbox_center'][0], results['bbox_scale'][0]
        rotation = float(results['bbox_rotation'][0]) if 'bbox_rotation' in results else 0.
        warp = get_warp_matrix(center, scale, rotation, (w, h))
        results['img'] = cv2.warpAffine(results['img'], warp, (w, h), flags=cv2.INTER_LINEAR)
        if results.get('keypoints') is not None:
            keypoints = results['keypoints']
            results['transformed_keypoints'] = cv2.transform(np.asarray(keypoints, dtype=np.float32), warp)
        results['input_size'] = (w, h)
        results['input_center'] = center
        results['input_scale'] = scale
        return results
