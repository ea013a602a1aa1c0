"""Crop box of a face: centre and size, with margin."""
import numpy as np
from mmcv.transforms import BaseTransform

from mmpose_face.registry import TRANSFORMS
from mmpose_face.structures import bbox_xyxy2cs
from . import batch_stage as stages


@TRANSFORMS.register_module()
class GetBBoxCenterScale(BaseTransform):
    """Set ``bbox_center`` (1, 2) and ``bbox_scale`` (1, 2) pixels.

    From the dataset's centre/scale when present, else from ``bbox`` (1, 4)
    xyxy; either way the size is multiplied by ``padding`` (context around
    the face).
    """

    batch_stage = stages.BOX  # how the fast path batches it

    def __init__(self, padding: float = 1.25):
        super().__init__()
        self.padding = padding

    def transform(self, results: dict) -> dict:
        if 'bbox_center' in results and 'bbox_scale' in results:
            results['bbox_scale'] = np.asarray(results['bbox_scale']) * self.padding
        else:
            center, scale = bbox_xyxy2cs(results['bbox'], self.padding)
            results['bbox_center'], results['bbox_scale'] = center, scale
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(padding={self.padding})'
