"""Jensen-Shannon divergence between predicted and target heatmaps (DSNT's regulariser)."""
import torch
from torch import nn

from mmpose_face.registry import MODELS


def kl_divergence_terms(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Elementwise p * (log p - log(q + 1e-24)), 0 where p is 0.

    The same values as mmpose's ``KLDivLoss``, but a zero gradient where p is 0:
    there (a heatmap multiplied by a keypoint weight of 0) torch's ``kl_div`` and
    ``xlogy`` give NaN gradients, which stop a WFLW run as soon as a point
    leaves the crop.
    """
    positive = p > 0
    safe_p = torch.where(positive, p, torch.ones_like(p))
    return torch.where(positive, p * (torch.log(safe_p) - torch.log(q + 1e-24)), torch.zeros_like(p))


@MODELS.register_module()
class JSDiscretLoss(nn.Module):
    """JS(p, g) = (KL(p || m) + KL(g || m)) / 2 with m = (p + g) / 2, summed over pixels.

    Args:
        use_target_weight: multiply both heatmaps by the keypoint weights first.
        size_average: divide by the batch size.

    ``forward(pred_hm, gt_hm, target_weight)``: heatmaps (B, K, H, W) that sum
    to 1 over (H, W); target_weight (B, K) or (B,). Returns a scalar.
    (The name, without the "e", is mmpose's registry name.)
    """

    def __init__(self, use_target_weight: bool = True, size_average: bool = True):
        super().__init__()
        self.use_target_weight = use_target_weight
        self.size_average = size_average

    @staticmethod
    def js_divergence_terms(pred_hm, gt_hm):
        mean = 0.5 * (pred_hm + gt_hm)
        return 0.5 * (kl_divergence_terms(pred_hm, mean) + kl_divergence_terms(gt_hm, mean))

    def forward(self, pred_hm: torch.Tensor, gt_hm: torch.Tensor,
                target_weight: torch.Tensor = None) -> torch.Tensor:
        if self.use_target_weight:
            if target_weight is None:
                raise ValueError('JSDiscretLoss: use_target_weight=True needs target_weight')
            if target_weight.ndim > pred_hm.ndim:
                raise ValueError(f'JSDiscretLoss: target_weight {tuple(target_weight.shape)} has more '
                                 f'dimensions than the heatmaps {tuple(pred_hm.shape)}')
            weight = target_weight.reshape(*target_weight.shape, *([1] * (pred_hm.ndim - target_weight.ndim)))
            loss = self.js_divergence_terms(pred_hm * weight, gt_hm * weight)
        else:
            loss = self.js_divergence_terms(pred_hm, gt_hm)
        if self.size_average:
            loss = loss / len(gt_hm)
        return loss.sum()
