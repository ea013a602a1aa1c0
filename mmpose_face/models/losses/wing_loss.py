"""Wing loss (Feng et al., CVPR 2018): log-shaped near zero to weigh small errors up."""
import math

import torch

from mmpose_face.registry import MODELS
from .keypoint_loss_base import KeypointCoordinateLoss


@MODELS.register_module()
class WingLoss(KeypointCoordinateLoss):
    """wing(d) = omega * ln(1 + |d| / epsilon) for |d| < omega, else |d| - C,
    C = omega - omega * ln(1 + omega / epsilon) (continuous at omega).

    Summed over keypoints and x/y, averaged over the batch.
    """

    def __init__(self, omega: float = 10.0, epsilon: float = 2.0,
                 use_target_weight: bool = False, loss_weight: float = 1.):
        super().__init__(use_target_weight, loss_weight)
        self.omega, self.epsilon = omega, epsilon
        self.C = omega * (1.0 - math.log(1.0 + omega / epsilon))

    def reduce(self, output, target):
        delta = (target - output).abs()
        losses = torch.where(delta < self.omega,
                             self.omega * torch.log1p(delta / self.epsilon),
                             delta - self.C)
        return losses.flatten(1).sum(dim=1).mean()
