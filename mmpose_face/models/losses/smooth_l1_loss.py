"""Smooth L1 (Huber with beta 1) loss on normalised keypoint coordinates."""
import torch.nn.functional as F

from mmpose_face.registry import MODELS
from .keypoint_loss_base import KeypointCoordinateLoss


@MODELS.register_module()
class SmoothL1Loss(KeypointCoordinateLoss):
    """mean of 0.5 d^2 (|d| < 1) or |d| - 0.5, d = output - target."""

    def reduce(self, output, target):
        return F.smooth_l1_loss(output, target)
