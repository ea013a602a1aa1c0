from .transforms import *  # noqa: F401,F403
from .aflw_dataset import AFLWDataset
from .base_coco_style_dataset import BaseCocoStyleDataset
from .coco_wholebody_face_dataset import CocoWholeBodyFaceDataset
from .cofw_dataset import COFWDataset
from .combined_dataset import CombinedDataset
from .face_300w_dataset import Face300WDataset
from .face_300wlp_dataset import Face300WLPDataset
from .lapa_dataset import LapaDataset
from .wflw_dataset import WFLWAnnotationError, WFLWDataset

__all__ = ['AFLWDataset', 'BaseCocoStyleDataset', 'COFWDataset', 'CocoWholeBodyFaceDataset', 'CombinedDataset', 'Face300WDataset',
           'Face300WLPDataset', 'LapaDataset', 'WFLWAnnotationError', 'WFLWDataset']
