"""KL divergence between SimCC targets and the softmax of the predicted vectors (RTMPose's loss)."""
import torch
import torch.nn.functional as F
from torch import nn

from mmpose_face.registry import MODELS


@MODELS.register_module()
class KLDiscretLoss(nn.Module):
    """Per axis and keypoint, ``mean over bins of KL(labels || softmax(beta * pred))``,
    weighted, summed over faces, keypoints and both axes, divided by K.

    mmpose 1.3.2's loss of that name (and its registry name, without the "e").

    Args:
        beta: temperature of the prediction's softmax.
        label_softmax: turn the labels into a distribution first, by a softmax
            of ``label_beta * labels``.
        label_beta: that softmax's temperature.
        use_target_weight: multiply each point's term by its keypoint weight.
        mask: keypoint indices whose terms are multiplied by ``mask_weight``.
        mask_weight: see ``mask``.

    ``forward(pred_simcc, gt_simcc, target_weight)``: pred_simcc and gt_simcc
    pairs (x, y) of (N, K, Wx) and (N, K, Wy) vectors, target_weight (N, K);
    returns a scalar.
    """

    def __init__(self, beta: float = 1.0, label_softmax: bool = False, label_beta: float = 10.0,
                 use_target_weight: bool = True, mask=None, mask_weight: float = 1.0):
        super().__init__()
        self.beta, self.label_softmax, self.label_beta = beta, label_softmax, label_beta
        self.use_target_weight = use_target_weight
        self.mask, self.mask_weight = mask, mask_weight

    def criterion(self, dec_outs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Vectors (M, W) and labels (M, W) -> (M,) the KL divergence's mean over bins."""
        log_probabilities = F.log_softmax(dec_outs * self.beta, dim=1)
        if self.label_softmax:
            labels = F.softmax(labels * self.label_beta, dim=1)
        return F.kl_div(log_probabilities, labels, reduction='none').mean(dim=1)

    def forward(self, pred_simcc, gt_simcc, target_weight: torch.Tensor) -> torch.Tensor:
        num_faces, num_keypoints, _ = pred_simcc[0].shape
        weight = target_weight.reshape(-1) if self.use_target_weight else 1.
        loss = 0
        for pred, target in zip(pred_simcc, gt_simcc):
            axis_loss = self.criterion(pred.reshape(-1, pred.size(-1)), target.reshape(-1, target.size(-1))) * weight
            if self.mask is not None:
                scale = torch.ones(num_keypoints, dtype=axis_loss.dtype, device=axis_loss.device)
                scale[list(self.mask)] = self.mask_weight
                axis_loss = (axis_loss.reshape(num_faces, num_keypoints) * scale)
            loss = loss + axis_loss.sum()
        return loss / num_keypoints
