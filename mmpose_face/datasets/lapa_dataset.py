"""LaPa: 106 landmarks in mmpose's base layout (``bbox`` [x, y, w, h])."""
from mmpose_face.registry import DATASETS
from .base_coco_style_dataset import BaseCocoStyleDataset


@DATASETS.register_module()
class LapaDataset(BaseCocoStyleDataset):
    """LaPa faces (Liu et al., AAAI 2020): ``bbox`` [x, y, w, h] (clipped to
    the image) and ``keypoints`` 106 x [x, y, v]. Arguments as
    :class:`BaseCocoStyleDataset` (mmpose's)."""

    METAINFO = dict(from_file='configs/_base_/datasets/lapa.py')
