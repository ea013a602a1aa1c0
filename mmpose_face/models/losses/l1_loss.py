"""L1 loss on normalised keypoint coordinates."""
import torch.nn.functional as F

from mmpose_face.registry import MODELS
from .keypoint_loss_base import KeypointCoordinateLoss


@MODELS.register_module()
class L1Loss(KeypointCoordinateLoss):
    """|output - target| reduced by ``reduction``: 'mean' (over batch,
    keypoints and x/y), 'sum' or 'none' (the (B, K, D) tensor)."""

    def __init__(self, reduction: str = 'mean', use_target_weight: bool = False, loss_weight: float = 1.):
        super().__init__(use_target_weight, loss_weight)
        assert reduction in ('mean', 'sum', 'none'), (
            f"L1Loss: reduction should be 'mean', 'sum' or 'none', but got {reduction!r}")
        self.reduction = reduction

    def reduce(self, output, target):
        return F.l1_loss(output, target, reduction=self.reduction)
