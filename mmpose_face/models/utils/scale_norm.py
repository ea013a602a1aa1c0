"""ScaleNorm (Nguyen and Salazar, 2019): a vector divided by its scaled length, times one learnt gain."""
import torch
from torch import nn


class ScaleNorm(nn.Module):
    """x (..., dim) -> ``g * x / max(|x| / sqrt(dim), eps)``, the norm over the last axis.

    mmpose 1.3.2's ``ScaleNorm`` (``models/utils/transformer.py``): its
    arguments and state-dict key ``g`` (1,).

    Args:
        dim: the length of the last axis.
        eps: the smallest scaled norm divided by.
    """

    def __init__(self, dim: int, eps: float = 1e-5):
        super().__init__()
        self.scale = dim ** -0.5
        self.eps = eps
        self.g = nn.Parameter(torch.ones(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # linalg's norm in training and in an ONNX export alike (mmpose switches to it for export)
        norm = torch.linalg.vector_norm(x, dim=-1, keepdim=True) * self.scale
        return x / norm.clamp(min=self.eps) * self.g
