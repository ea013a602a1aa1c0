"""Mean squared error on normalised keypoint coordinates."""
import torch.nn.functional as F

from mmpose_face.registry import MODELS
from .keypoint_loss_base import KeypointCoordinateLoss


@MODELS.register_module()
class MSELoss(KeypointCoordinateLoss):
    """mean (output - target)^2 over batch, keypoints and x/y."""

    def reduce(self, output, target):
        return F.mse_loss(output, target)
