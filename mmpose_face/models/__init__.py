from .backbones import *  # noqa: F401,F403
from .data_preprocessor import PoseDataPreprocessor
from .heads import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .pose_estimator import TopdownPoseEstimator
from .utils import ExpMomentumEMA  # noqa: F401  registered for EMAHook(ema_type='ExpMomentumEMA')

__all__ = ['PoseDataPreprocessor', 'TopdownPoseEstimator']
