"""Global average pooling neck: feature maps -> feature vectors."""
import torch
from torch import nn

from mmpose_face.registry import MODELS


@MODELS.register_module()
class GlobalAveragePooling(nn.Module):
    """(B, C, H, W) -> (B, C), for a tensor, or each map of a tuple or list
    (returned as the same kind of sequence). No arguments, no weights."""

    def __init__(self):
        super().__init__()
        self.gap = nn.AdaptiveAvgPool2d((1, 1))

    def init_weights(self):
        """Nothing to initialise (mmpose's runner calls it on every part)."""

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        # view, not squeeze: a batch of one keeps its batch axis
        return self.gap(x).view(x.size(0), -1)

    def forward(self, inputs):
        if isinstance(inputs, tuple):
            return tuple(self.pool(x) for x in inputs)
        if isinstance(inputs, list):
            return [self.pool(x) for x in inputs]
        if isinstance(inputs, torch.Tensor):
            return self.pool(inputs)
        raise TypeError(f'GlobalAveragePooling: neck inputs should be a tuple, list or torch.Tensor, '
                        f'got {type(inputs).__name__}')
