"""Spatial pyramid pooling block (mmdet 3.3's ``SPPBottleneck``), in CSPNeXt's last stage."""
import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import nn


class SPPBottleneck(BaseModule):
    """1x1 conv-norm-act to ``in_channels // 2`` channels, then that map and its
    stride-1 max-poolings (one per kernel size, padded to keep H, W)
    concatenated and fused by a 1x1 conv-norm-act to ``out_channels``.

    Parameters ``conv1.{conv,bn}``, ``conv2.{conv,bn}``, as mmdet's.

    Args:
        in_channels, out_channels: channels in and out.
        kernel_sizes: max-pooling kernels (odd).
        conv_cfg, norm_cfg, act_cfg: mmcv layer configs (BN momentum 0.03, eps 0.001; Swish).
        init_cfg: mmengine initialisation config.

    Shapes: (B, C_in, H, W) -> (B, C_out, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_sizes=(5, 9, 13), conv_cfg=None,
                 norm_cfg=dict(type='BN', momentum=0.03, eps=0.001), act_cfg=dict(type='Swish'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        mid_channels = in_channels // 2
        self.conv1 = ConvModule(in_channels, mid_channels, 1, stride=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                act_cfg=act_cfg)
        self.poolings = nn.ModuleList([nn.MaxPool2d(kernel_size=size, stride=1, padding=size // 2)
                                       for size in kernel_sizes])
        self.conv2 = ConvModule(mid_channels * (len(kernel_sizes) + 1), out_channels, 1, conv_cfg=conv_cfg,
                                norm_cfg=norm_cfg, act_cfg=act_cfg)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(x)
        # pooled in the input's precision even under mixed precision, as mmdet does
        with torch.autocast(device_type=x.device.type, enabled=False):
            pyramid = torch.cat([x] + [pooling(x) for pooling in self.poolings], dim=1)
        return self.conv2(pyramid)
