from .backbones import *  # noqa: F401,F403
from .batch_topdown_augmentor import BatchTopdownAugmentor
from .data_preprocessor import PoseDataPreprocessor
from .fast_data_preprocessor import FastPoseDataPreprocessor
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .pose_estimator import TopdownPoseEstimator

__all__ = ['BatchTopdownAugmentor', 'FastPoseDataPreprocessor', 'PoseDataPreprocessor', 'TopdownPoseEstimator']
