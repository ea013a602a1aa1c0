"""Soft Wing loss (Lin et al., 2021): linear for small errors, log-shaped for large."""
import math

import torch

from mmpose_face.registry import MODELS
from .keypoint_loss_base import KeypointCoordinateLoss


@MODELS.register_module()
class SoftWingLoss(KeypointCoordinateLoss):
    """softwing(d) = |d| for |d| < omega1, else omega2 * ln(1 + |d| / epsilon) + B,
    B = omega1 - omega2 * ln(1 + omega1 / epsilon) (continuous at omega1).

    Summed over keypoints and x/y, averaged over the batch.
    """

    def __init__(self, omega1: float = 2.0, omega2: float = 20.0, epsilon: float = 0.5,
                 use_target_weight: bool = False, loss_weight: float = 1.):
        super().__init__(use_target_weight, loss_weight)
        self.omega1, self.omega2, self.epsilon = omega1, omega2, epsilon
        self.B = omega1 - omega2 * math.log(1.0 + omega1 / epsilon)

    def reduce(self, output, target):
        delta = (target - output).abs()
        losses = torch.where(delta < self.omega1, delta,
                             self.omega2 * torch.log1p(delta / self.epsilon) + self.B)
        return losses.flatten(1).sum(dim=1).mean()
