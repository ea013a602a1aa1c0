from .backbones import *  # noqa: F401,F403
from .data_preprocessor import PoseDataPreprocessor
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .pose_estimator import TopdownPoseEstimator

__all__ = ['PoseDataPreprocessor', 'TopdownPoseEstimator']
