"""COCO-WholeBody-Face: the 68 face points of COCO-WholeBody's person annotations."""
import numpy as np

from mmpose_face.registry import DATASETS
from .base_coco_style_dataset import BaseCocoStyleDataset


@DATASETS.register_module()
class CocoWholeBodyFaceDataset(BaseCocoStyleDataset):
    """Faces of COCO-WholeBody (Jin et al., ECCV 2020) from its own JSON.

    Each person annotation has ``face_valid``, ``face_box`` [x, y, w, h]
    (clipped to the image) and ``face_kpts`` 68 x [x, y, v]; as in mmpose a
    person whose face is not valid or has no positive coordinate is left
    out. Arguments as :class:`BaseCocoStyleDataset` (mmpose's).
    """

    METAINFO = dict(from_file='configs/_base_/datasets/coco_wholebody_face.py')

    def parse_data_info(self, raw_data_info: dict):
        ann, image = raw_data_info['raw_ann_info'], raw_data_info['raw_img_info']
        for key in ('face_valid', 'face_kpts', 'face_box'):
            if key not in ann:
                self._refuse(f'no {key!r} (not a COCO-WholeBody annotation)', ann['id'])
        if not ann['face_valid']:
            return None
        keypoints, keypoints_visible = self.parse_keypoints(ann, 'face_kpts')
        if keypoints.max() <= 0:
            return None
        bbox = self.parse_xywh_box(ann, image, 'face_box')
        self.check_inside_image(ann, image, keypoints, keypoints_visible)
        data_info = self.common_fields(ann, image, keypoints, keypoints_visible)
        data_info.update(bbox=bbox, num_keypoints=np.count_nonzero(keypoints.max(axis=2)))
        return data_info
