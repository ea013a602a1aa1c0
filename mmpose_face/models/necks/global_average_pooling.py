"""Global average pooling neck: feature maps -> feature vectors."""
import torch
from torch import nn

from mmpose_face.registry import MODELS


@MODELS.register_module()
class GlobalAveragePooling(nn.Module):
    """(B, C, H, W) -> (B, C) for each map of a tuple (or a single tensor)."""

    def forward(self, inputs):
        if isinstance(inputs, (tuple, list)):
            return tuple(torch.flatten(x.mean(dim=(2, 3)), 1) for x in inputs)
        return torch.flatten(inputs.mean(dim=(2, 3)), 1)
