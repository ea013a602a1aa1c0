"""Residual log-likelihood estimation loss (Li et al., 2021, RLE)."""
import math

import torch
from torch import nn

from mmpose_face.registry import MODELS
from ..utils.realnvp import RealNVP


@MODELS.register_module()
class RLELoss(nn.Module):
    """Negative log-likelihood of the target under a learnt error density.

    With sigma = sigmoid(raw sigma) and the scaled error e = (pred - target) / (sigma + 1e-9),
    per keypoint and axis::

        loss = log sigma - log phi(e) [+ log q(e) term if residual]

    where phi is a RealNVP flow over the 2-D error of each point (its log
    density is counted on both axes, as in mmpose) and, with ``residual``,
    the flow only models what the simple density q leaves over:
    Laplace ``log(2 sigma) + |e|`` or Gaussian ``log(sqrt(2 pi) sigma) + e^2 / 2``.

    Args:
        use_target_weight: multiply each point's loss by its keypoint weight.
        size_average: divide by the batch size (the loss is a sum otherwise).
        residual: add the q term (the "residual" of RLE).
        q_distribution: 'laplace' or 'gaussian'.

    ``forward(pred, sigma, target, target_weight)``: pred, sigma (raw, before
    the sigmoid) and target (B, K, 2) normalised coordinates; target_weight
    (B, K, 1) or (B, K, 2). Returns a scalar.
    """

    def __init__(self, use_target_weight: bool = False, size_average: bool = True,
                 residual: bool = True, q_distribution: str = 'laplace'):
        super().__init__()
        if residual and q_distribution not in ('laplace', 'gaussian'):
            raise ValueError(f"RLELoss: q_distribution must be 'laplace' or 'gaussian', "
                             f'got {q_distribution!r}')
        self.size_average = size_average
        self.use_target_weight = use_target_weight
        self.residual = residual
        self.q_distribution = q_distribution
        self.flow_model = RealNVP()

    def forward(self, pred: torch.Tensor, sigma: torch.Tensor, target: torch.Tensor,
                target_weight: torch.Tensor = None) -> torch.Tensor:
        batch_size, num_keypoints = target.shape[:2]
        sigma = sigma.sigmoid()
        error = (pred - target) / (sigma + 1e-9)
        log_phi = self.flow_model.log_prob(error.reshape(-1, 2)).reshape(batch_size, num_keypoints, 1)
        loss = torch.log(sigma).reshape(batch_size, num_keypoints, 2) - log_phi
        if self.residual:
            if self.q_distribution == 'laplace':
                loss = loss + torch.log(sigma * 2) + torch.abs(error)
            else:
                loss = loss + torch.log(sigma * math.sqrt(2 * math.pi)) + 0.5 * error ** 2
        if self.use_target_weight:
            if target_weight is None:
                raise ValueError('RLELoss: use_target_weight=True needs target_weight')
            loss = loss * target_weight
        if self.size_average:
            loss = loss / len(loss)
        return loss.sum()
