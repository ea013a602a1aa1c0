"""CSPNeXt's residual block (mmdet 3.3's ``CSPNeXtBlock``): a 3x3 convolution and
a large-kernel depthwise separable one."""
import torch
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule


class CSPNeXtBlock(BaseModule):
    """3x3 conv-norm-act to ``out_channels * expansion`` channels, then a
    ``kernel_size`` depthwise conv-norm-act and a 1x1 pointwise conv-norm-act to
    ``out_channels``; plus the input when ``add_identity`` and
    ``in_channels == out_channels``.

    Parameters ``conv1.{conv,bn}`` (``conv1.{depthwise_conv,pointwise_conv}.*``
    with ``use_depthwise``), ``conv2.depthwise_conv.{conv,bn}``,
    ``conv2.pointwise_conv.{conv,bn}``, as mmdet's.

    Args:
        in_channels, out_channels: channels in and out.
        expansion: hidden channels / ``out_channels``.
        add_identity: add the input to the output (only if the channels agree).
        use_depthwise: the first (3x3) convolution is depthwise separable too.
        kernel_size: kernel of the depthwise convolution (padding keeps H, W).
        conv_cfg: convolution config of the second convolution only (mmdet
            builds the first with the default convolution).
        norm_cfg, act_cfg: mmcv layer configs (BN momentum 0.03, eps 0.001; SiLU).
        init_cfg: mmengine initialisation config.

    Shapes: (B, C_in, H, W) -> (B, C_out, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int, expansion: float = 0.5, add_identity: bool = True,
                 use_depthwise: bool = False, kernel_size: int = 5, conv_cfg=None,
                 norm_cfg=dict(type='BN', momentum=0.03, eps=0.001), act_cfg=dict(type='SiLU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        hidden_channels = int(out_channels * expansion)
        first_conv = DepthwiseSeparableConvModule if use_depthwise else ConvModule
        self.conv1 = first_conv(in_channels, hidden_channels, 3, stride=1, padding=1, norm_cfg=norm_cfg,
                                act_cfg=act_cfg)
        self.conv2 = DepthwiseSeparableConvModule(hidden_channels, out_channels, kernel_size, stride=1,
                                                  padding=kernel_size // 2, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                                                  act_cfg=act_cfg)
        self.add_identity = add_identity and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv2(self.conv1(x))
        return out + x if self.add_identity else out
