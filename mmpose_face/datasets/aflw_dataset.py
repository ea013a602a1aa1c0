"""AFLW: 19 landmarks, the crop from ``center``/``scale``, the NME normaliser ``box_size``."""
from mmpose_face.registry import DATASETS
from .base_coco_style_dataset import BaseCocoStyleDataset


@DATASETS.register_module()
class AFLWDataset(BaseCocoStyleDataset):
    """AFLW faces (Koestinger et al., 2011) from mmpose's COCO-style JSON.

    Annotations: ``keypoints`` 19 x [x, y, v], ``center`` [x, y], ``scale``
    (the box's longer side / 200 px), ``box_size`` (sqrt(w * h) of the face
    box in pixels, AFLW's NME normaliser; required in test mode as in mmpose) and, optionally, ``frontal`` (true for the
    AFLW-frontal subset). Arguments as :class:`BaseCocoStyleDataset`.
    """

    METAINFO = dict(from_file='configs/_base_/datasets/aflw.py')

    def parse_attributes(self, ann: dict):
        if ann.get('frontal') is None:
            return None
        if ann['frontal'] not in (0, 1):  # True and False included
            self._refuse(f"'frontal' must be true or false, got {ann['frontal']!r}", ann['id'])
        return {'frontal': int(ann['frontal'])}

    def parse_data_info(self, raw_data_info: dict) -> dict:
        ann, image = raw_data_info['raw_ann_info'], raw_data_info['raw_img_info']
        crop = self.parse_center_scale(ann)
        keypoints, keypoints_visible = self.parse_keypoints(ann)
        self.check_inside_image(ann, image, keypoints, keypoints_visible, crop['bbox_center'])
        data_info = dict(self.common_fields(ann, image, keypoints, keypoints_visible), **crop)
        if self.test_mode:
            box_size = self._numbers(ann, 'box_size', 1)
            if not box_size.reshape(-1)[0] > 0:
                self._refuse(f"'box_size' must be positive, got {ann['box_size']!r}", ann['id'])
            data_info['box_size'] = ann['box_size']
        return data_info
