"""Channel attention of CSPNeXt's stages (mmdet 3.3's ``ChannelAttention``)."""
import torch
from mmengine.model import BaseModule
from torch import nn


class ChannelAttention(BaseModule):
    """Reweights each channel by a gate from its spatial mean.

    ``gate = hardsigmoid(fc(mean over H, W of x))`` with ``fc`` a 1x1 convolution
    (with bias) from ``channels`` to ``channels``; the output is ``x * gate``.
    Parameters: ``fc.weight`` (C, C, 1, 1), ``fc.bias`` (C,), as mmdet's.

    Args:
        channels: C, the input (and output) channels.
        init_cfg: mmengine initialisation config (None: PyTorch's layer defaults).

    Shapes: (B, C, H, W) -> (B, C, H, W).
    """

    def __init__(self, channels: int, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.global_avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Conv2d(channels, channels, 1, 1, 0, bias=True)
        self.act = nn.Hardsigmoid(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # the mean is taken in the input's precision even under mixed precision, as mmdet does
        with torch.autocast(device_type=x.device.type, enabled=False):
            channel_means = self.global_avgpool(x)  # (B, C, 1, 1)
        gate = self.act(self.fc(channel_means))
        return x * gate
