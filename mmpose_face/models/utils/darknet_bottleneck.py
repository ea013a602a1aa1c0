"""Darknet's residual bottleneck (mmdet 3.3's ``DarknetBottleneck``), the block of a
``CSPLayer`` with ``use_cspnext_block=False``."""
import torch
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule


class DarknetBottleneck(BaseModule):
    """1x1 conv-norm-act to ``out_channels * expansion`` channels, then 3x3
    conv-norm-act to ``out_channels``; plus the input when ``add_identity`` and
    ``in_channels == out_channels``.

    Parameters ``conv1.{conv,bn}``, ``conv2.{conv,bn}`` (``conv2.{depthwise_conv,
    pointwise_conv}.*`` with ``use_depthwise``), as mmdet's.

    Args:
        in_channels, out_channels: channels in and out.
        expansion: hidden channels / ``out_channels``.
        add_identity: add the input to the output (only if the channels agree).
        use_depthwise: the 3x3 convolution is depthwise separable.
        conv_cfg, norm_cfg, act_cfg: mmcv layer configs (mmdet's defaults:
            BN with momentum 0.03, eps 0.001; Swish).
        init_cfg: mmengine initialisation config.

    Shapes: (B, C_in, H, W) -> (B, C_out, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int, expansion: float = 0.5, add_identity: bool = True,
                 use_depthwise: bool = False, conv_cfg=None, norm_cfg=dict(type='BN', momentum=0.03, eps=0.001),
                 act_cfg=dict(type='Swish'), init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        hidden_channels = int(out_channels * expansion)
        second_conv = DepthwiseSeparableConvModule if use_depthwise else ConvModule
        self.conv1 = ConvModule(in_channels, hidden_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                act_cfg=act_cfg)
        self.conv2 = second_conv(hidden_channels, out_channels, 3, stride=1, padding=1, conv_cfg=conv_cfg,
                                 norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.add_identity = add_identity and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.conv1(x))
        return out + x if self.add_identity else out
