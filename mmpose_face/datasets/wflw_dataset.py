"""WFLW: 98 landmarks, the crop from ``center``/``scale``, six subset flags per face."""
import numpy as np

from mmpose_face.errors import WFLWAnnotationError  # noqa: F401 (re-exported)
from mmpose_face.registry import DATASETS
from .base_coco_style_dataset import BaseCocoStyleDataset


@DATASETS.register_module()
class WFLWDataset(BaseCocoStyleDataset):
    """WFLW faces (Wu et al., CVPR 2018) from mmpose's COCO-style JSON.

    Annotations: ``keypoints`` 98 x [x, y, v], ``center`` [x, y] and
    ``scale`` (box side / 200 px) of the crop, and, when converted by this
    project, ``attributes`` (the six subset flags: a dict ``{pose: 0 or 1,
    ...}`` or a list of six flags in the release order, the order of
    ``metainfo['subsets']``; see :meth:`BaseCocoStyleDataset.parse_attributes`)
    and ``face_rectangle`` [x1, y1, x2, y2].

    Args:
        crop_from: ``'center_scale'`` (default, the published convention:
            the box around the landmark extents) or ``'face_rectangle'`` (the
            official detector-style rectangle, as a face detector would give).
        Others: as :class:`BaseCocoStyleDataset` (mmpose's arguments).
    """

    METAINFO = dict(from_file='configs/_base_/datasets/wflw.py')

    def __init__(self, *args, crop_from: str = 'center_scale', **kwargs):
        if crop_from not in ('center_scale', 'face_rectangle'):
            raise ValueError(f"WFLWDataset: crop_from must be 'center_scale' or 'face_rectangle', got {crop_from!r}")
        self.crop_from = crop_from
        super().__init__(*args, **kwargs)

    def parse_data_info(self, raw_data_info: dict) -> dict:
        ann, image = raw_data_info['raw_ann_info'], raw_data_info['raw_img_info']
        crop = self.parse_center_scale(ann)
        keypoints, keypoints_visible = self.parse_keypoints(ann)
        self.check_inside_image(ann, image, keypoints, keypoints_visible, crop['bbox_center'])
        if self.crop_from == 'face_rectangle':
            rectangle = np.asarray(ann.get('face_rectangle') or [np.nan] * 4, dtype=np.float32).reshape(1, 4)
            if not (np.isfinite(rectangle).all() and (rectangle[0, 2:] > rectangle[0, :2]).all()):
                self._refuse(f"crop_from='face_rectangle' needs a positive 'face_rectangle', got "
                             f"{ann.get('face_rectangle')}", ann['id'])
            crop = dict(bbox=rectangle)  # GetBBoxCenterScale derives centre and scale
        return dict(self.common_fields(ann, image, keypoints, keypoints_visible), **crop,
                    face_rectangle=ann.get('face_rectangle'))
