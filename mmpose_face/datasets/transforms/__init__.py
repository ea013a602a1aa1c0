from .bbox_center_scale import GetBBoxCenterScale
from .generate_target import GenerateTarget
from .loading import ImageLoadError, LoadImage
from .pack_pose_inputs import PackPoseInputs
from .random_bbox_transform import RandomBBoxTransform
from .random_flip import RandomFlip
from .topdown_affine import TopdownAffine

__all__ = ['GetBBoxCenterScale', 'GenerateTarget', 'ImageLoadError', 'LoadImage',
           'PackPoseInputs', 'RandomBBoxTransform', 'RandomFlip', 'TopdownAffine']
