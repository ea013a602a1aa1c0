"""Cross Stage Partial layer (mmdet 3.3's ``CSPLayer``), the body of each CSPNeXt stage."""
import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import nn

from .channel_attention import ChannelAttention
from .cspnext_block import CSPNeXtBlock
from .darknet_bottleneck import DarknetBottleneck


class CSPLayer(BaseModule):
    """Two 1x1 branches of ``out_channels * expand_ratio`` channels: the main one
    through ``num_blocks`` residual blocks, the short one as is; concatenated
    (main first), optionally reweighted by :class:`ChannelAttention`, and fused
    by a 1x1 convolution to ``out_channels``.

    Parameters ``main_conv``, ``short_conv``, ``final_conv`` (each ``.conv``,
    ``.bn``), ``blocks.<i>.*`` and, with ``channel_attention``,
    ``attention.fc.*``, as mmdet's.

    Args:
        in_channels, out_channels: channels in and out.
        expand_ratio: branch channels / ``out_channels``.
        num_blocks: residual blocks on the main branch.
        add_identity: the blocks add their input.
        use_depthwise: the blocks use depthwise separable convolutions.
        use_cspnext_block: :class:`CSPNeXtBlock` (True) or :class:`DarknetBottleneck`.
        channel_attention: reweight the concatenated channels.
        conv_cfg, norm_cfg, act_cfg: mmcv layer configs (BN momentum 0.03, eps 0.001; Swish).
        init_cfg: mmengine initialisation config.

    Shapes: (B, C_in, H, W) -> (B, C_out, H, W).
    """

    def __init__(self, in_channels: int, out_channels: int, expand_ratio: float = 0.5, num_blocks: int = 1,
                 add_identity: bool = True, use_depthwise: bool = False, use_cspnext_block: bool = False,
                 channel_attention: bool = False, conv_cfg=None,
                 norm_cfg=dict(type='BN', momentum=0.03, eps=0.001), act_cfg=dict(type='Swish'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        block = CSPNeXtBlock if use_cspnext_block else DarknetBottleneck
        branch_channels = int(out_channels * expand_ratio)
        self.channel_attention = channel_attention
        layer_cfgs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        # created in mmdet's order, so that one seed draws the same initial weights
        self.main_conv = ConvModule(in_channels, branch_channels, 1, **layer_cfgs)
        self.short_conv = ConvModule(in_channels, branch_channels, 1, **layer_cfgs)
        self.final_conv = ConvModule(2 * branch_channels, out_channels, 1, **layer_cfgs)
        self.blocks = nn.Sequential(*[
            block(branch_channels, branch_channels, 1.0, add_identity, use_depthwise, **layer_cfgs)
            for _ in range(num_blocks)])
        if channel_attention:
            self.attention = ChannelAttention(2 * branch_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        short = self.short_conv(x)
        main = self.blocks(self.main_conv(x))
        both = torch.cat((main, short), dim=1)  # (B, 2 * branch_channels, H, W)
        if self.channel_attention:
            both = self.attention(both)
        return self.final_conv(both)
