"""L1 loss on normalised keypoint coordinates."""
import torch.nn.functional as F

from mmpose_face.registry import MODELS
from .keypoint_loss_base import KeypointCoordinateLoss


@MODELS.register_module()
class L1Loss(KeypointCoordinateLoss):
    """mean |output - target| over batch, keypoints and x/y."""

    def reduce(self, output, target):
        return F.l1_loss(output, target)
