"""Halpe-FullBody: 136 whole-body keypoints, one of the six data sets of mmpose's Face6 training mix."""
from mmpose_face.registry import DATASETS
from .base_coco_style_dataset import BaseCocoStyleDataset


@DATASETS.register_module()
class HalpeDataset(BaseCocoStyleDataset):
    """Halpe-FullBody people (Li et al., CVPR 2020): ``bbox`` [x, y, w, h] (clipped
    to the image) and ``keypoints`` 136 x [x, y, v] (body and feet 0-25, face
    26-93, hands 94-135), mmpose's layout. Arguments as
    :class:`BaseCocoStyleDataset` (mmpose's).

    mmpose's Face6 configs read its face points through ``KeypointConverter``
    into LaPa's 106-point layout inside a ``CombinedDataset``.
    """

    METAINFO = dict(from_file='configs/_base_/datasets/halpe.py')
