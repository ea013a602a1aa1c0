"""mmpose_face: WFLW face landmark regression (DeepPose) on mmengine."""
from mmpose_face import compat

__version__ = '0.1.0'

compat.apply()
