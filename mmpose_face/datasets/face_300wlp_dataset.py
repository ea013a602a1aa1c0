"""300W-LP: 68 landmarks in mmpose's base layout (``bbox`` [x, y, w, h])."""
from mmpose_face.registry import DATASETS
from .base_coco_style_dataset import BaseCocoStyleDataset


@DATASETS.register_module()
class Face300WLPDataset(BaseCocoStyleDataset):
    """300W-LP faces (Zhu et al., CVPR 2016): ``bbox`` [x, y, w, h] (clipped
    to the image) and ``keypoints`` 68 x [x, y, v]. Arguments as
    :class:`BaseCocoStyleDataset` (mmpose's)."""

    METAINFO = dict(from_file='configs/_base_/datasets/300wlp.py')
