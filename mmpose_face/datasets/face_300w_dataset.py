"""300W: 68 landmarks, the crop from ``center``/``scale``, the subset named per face."""
from mmpose_face.registry import DATASETS
from .base_coco_style_dataset import BaseCocoStyleDataset

# a face's ``subset`` field -> the report's subsets it counts in
SUBSET_MEMBERSHIP = {
    'common': ('common', 'full'),
    'challenging': ('challenging', 'full'),
    'private': ('private', ),
}


@DATASETS.register_module()
class Face300WDataset(BaseCocoStyleDataset):
    """300W faces (Sagonas et al., IMAVIS 2016) from mmpose's COCO-style JSON.

    Annotations: ``keypoints`` 68 x [x, y, v], ``center`` [x, y], ``scale``
    (box side / 200 px) and, optionally, ``subset``: ``'common'`` (LFPW and
    HELEN test faces), ``'challenging'`` (iBUG) or ``'private'`` (the 300W
    private test set). Common and challenging faces also count in ``full``.
    Arguments as :class:`BaseCocoStyleDataset` (mmpose's).
    """

    METAINFO = dict(from_file='configs/_base_/datasets/300w.py')

    def parse_attributes(self, ann: dict):
        if ann.get('subset') is None:
            return None
        if ann['subset'] not in SUBSET_MEMBERSHIP:
            self._refuse(f"'subset' must be one of {tuple(SUBSET_MEMBERSHIP)}, got {ann['subset']!r}", ann['id'])
        members = SUBSET_MEMBERSHIP[ann['subset']]
        return {name: int(name in members) for name in self.metainfo['subsets']}

    def parse_data_info(self, raw_data_info: dict) -> dict:
        ann, image = raw_data_info['raw_ann_info'], raw_data_info['raw_img_info']
        crop = self.parse_center_scale(ann)
        keypoints, keypoints_visible = self.parse_keypoints(ann)
        self.check_inside_image(ann, image, keypoints, keypoints_visible, crop['bbox_center'])
        return dict(self.common_fields(ann, image, keypoints, keypoints_visible), **crop)
