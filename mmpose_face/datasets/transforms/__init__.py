# mmcv's transforms and wrappers (RandomApply, RandomChoice, KeyMapper,
# TransformBroadcaster, Compose, RandomResize ...) register themselves in
# mmengine's root TRANSFORMS, the parent of ours, when mmcv.transforms is
# imported: a pipeline in the mmpose_face scope can then name them.
import mmcv.transforms  # noqa: F401

from .albumentation import Albumentation
from .bbox_center_scale import GetBBoxCenterScale
from .generate_target import GenerateTarget
from .keypoint_converter import KeypointConverter
from .loading import ImageLoadError, LoadImage
from .pack_pose_inputs import PackPoseInputs
from .photometric_distortion import PhotometricDistortion
from .random_bbox_transform import RandomBBoxTransform
from .random_flip import RandomFlip
from .random_half_body import RandomHalfBody
from .topdown_affine import TopdownAffine
from .yolox_hsv_random_aug import YOLOXHSVRandomAug

__all__ = ['Albumentation', 'GetBBoxCenterScale', 'GenerateTarget', 'ImageLoadError', 'KeypointConverter',
           'LoadImage', 'PackPoseInputs', 'PhotometricDistortion', 'RandomBBoxTransform', 'RandomFlip',
           'RandomHalfBody', 'TopdownAffine', 'YOLOXHSVRandomAug']
