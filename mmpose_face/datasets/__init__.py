from .transforms import *  # noqa: F401,F403
from .wflw_dataset import WFLWAnnotationError, WFLWDataset

__all__ = ['WFLWAnnotationError', 'WFLWDataset']
