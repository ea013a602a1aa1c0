"""What every coordinate loss shares: masking by keypoint weights and a loss weight."""
from abc import ABCMeta, abstractmethod

import torch
from torch import nn

from mmpose_face.errors import MissingTargetWeightError


class KeypointCoordinateLoss(nn.Module, metaclass=ABCMeta):
    """Base of the regression losses.

    Args:
        use_target_weight: multiply predictions and targets by the keypoint
            weights first, so points outside the crop contribute nothing.
        loss_weight: factor on the result.

    ``forward(output, target, target_weight)``: output and target (B, K, 2)
    normalised coordinates, target_weight (B, K), (B, K, 1) or per coordinate
    (B, K, D) (as mmpose: a weight of shape (B, K) gets trailing unit axes);
    returns a scalar.
    Subclasses implement :meth:`reduce`, which gets output and target already
    multiplied by the weights.
    """

    def __init__(self, use_target_weight: bool = False, loss_weight: float = 1.):
        super().__init__()
        self.use_target_weight = use_target_weight
        self.loss_weight = loss_weight

    def forward(self, output: torch.Tensor, target: torch.Tensor,
                target_weight: torch.Tensor = None) -> torch.Tensor:
        if self.use_target_weight:
            if target_weight is None:
                raise MissingTargetWeightError(f'{type(self).__name__}: use_target_weight=True needs target_weight')
            weight = target_weight
            while weight.ndim < output.ndim:
                weight = weight.unsqueeze(-1)
            output, target = output * weight, target * weight
        return self.reduce(output, target) * self.loss_weight

    @abstractmethod
    def reduce(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Weighted output and target (B, K, D) -> the loss before ``loss_weight``, a scalar."""
