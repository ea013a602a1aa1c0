from .cached_face_dataset import CachedFaceDataset, ShardShuffleSampler
from .face_crop_cache import FaceCropCache, FaceCropCacheError
from .transforms import *  # noqa: F401,F403
from .wflw_dataset import WFLWAnnotationError, WFLWDataset

__all__ = ['CachedFaceDataset', 'FaceCropCache', 'FaceCropCacheError', 'ShardShuffleSampler',
           'WFLWAnnotationError', 'WFLWDataset']
