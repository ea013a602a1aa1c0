from .bbox import bbox_cs2xyxy, bbox_xywh2cs, bbox_xywh2xyxy, bbox_xyxy2cs, bbox_xyxy2xywh, fix_aspect_ratio
from .keypoint_flip import flip_keypoints, flip_keypoints_horizontal
from .pose_data_sample import PoseDataSample
from .warp_matrix import get_warp_matrix

__all__ = ['PoseDataSample', 'bbox_cs2xyxy', 'bbox_xywh2cs', 'bbox_xyxy2cs', 'bbox_xywh2xyxy', 'bbox_xyxy2xywh',
           'fix_aspect_ratio', 'flip_keypoints', 'flip_keypoints_horizontal', 'get_warp_matrix']
