"""Mean squared error between heatmaps (the heatmap term of mmpose's IPR config)."""
import torch
import torch.nn.functional as F
from torch import nn

from mmpose_face.registry import MODELS


@MODELS.register_module()
class KeypointMSELoss(nn.Module):
    """mean over (B, K, H, W) of mask * (output - target)^2, times ``loss_weight``.

    The mask is the keypoint weights (B, K) or pixel weights (B, K, H, W) when
    given (as in mmpose 1.3.2, whatever ``use_target_weight`` says), times the
    channels with any non-zero target when ``skip_empty_channel``.

    Args:
        use_target_weight: kept for mmpose's configs (see above).
        skip_empty_channel: leave out channels whose target is all zero.
        loss_weight: factor on the result.
    """

    def __init__(self, use_target_weight: bool = False, skip_empty_channel: bool = False,
                 loss_weight: float = 1.):
        super().__init__()
        self.use_target_weight = use_target_weight
        self.skip_empty_channel = skip_empty_channel
        self.loss_weight = loss_weight

    def forward(self, output: torch.Tensor, target: torch.Tensor,
                target_weights: torch.Tensor = None, mask: torch.Tensor = None) -> torch.Tensor:
        mask = self._mask(target, target_weights, mask)
        if mask is None:
            return F.mse_loss(output, target) * self.loss_weight
        return (F.mse_loss(output, target, reduction='none') * mask).mean() * self.loss_weight

    def _mask(self, target, target_weights, mask):
        if mask is not None and not (mask.ndim == target.ndim and all(
                m in (1, t) for m, t in zip(mask.shape, target.shape))):
            raise ValueError(f'KeypointMSELoss: mask {tuple(mask.shape)} does not fit the '
                             f'target {tuple(target.shape)}')
        if target_weights is not None:
            if target_weights.ndim not in (2, 4) or \
                    target_weights.shape != target.shape[:target_weights.ndim]:
                raise ValueError(f'KeypointMSELoss: target_weights {tuple(target_weights.shape)} '
                                 f'do not fit the target {tuple(target.shape)}')
            weights = target_weights.reshape(*target_weights.shape,
                                             *([1] * (target.ndim - target_weights.ndim)))
            mask = weights if mask is None else mask * weights
        if self.skip_empty_channel:
            nonempty = (target != 0).flatten(2).any(dim=2)
            nonempty = nonempty.reshape(*nonempty.shape, *([1] * (target.ndim - nonempty.ndim)))
            mask = nonempty if mask is None else mask * nonempty
        return mask
