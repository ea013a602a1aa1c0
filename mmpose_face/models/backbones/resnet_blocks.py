"""The residual blocks of ResNet and a stage made of them, with mmpose's names.

Parameter names are those of mmpose (and torchvision) checkpoints:
``conv1``, ``bn1`` (the norm layer's name comes from ``norm_cfg``: ``bn``
for BN/SyncBN, ``gn`` for GN), ``downsample.0`` / ``downsample.1`` (with
``avg_down`` an ``AvgPool2d`` first, so ``downsample.1`` / ``.2``).
Layers are created in mmpose's order, so that the same seed draws the same
default (PyTorch) initial weights in both.
"""
import copy

import torch.utils.checkpoint as checkpoint
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from torch import nn


class ResidualBlock(BaseModule):
    """``relu(residual(x))``; with ``with_cp`` the residual branch is recomputed in
    the backward pass (torch checkpointing) to save memory, gradients unchanged."""

    def forward(self, x):
        if self.with_cp and x.requires_grad:
            out = checkpoint.checkpoint(self.residual, x, use_reentrant=False)
        else:
            out = self.residual(x)
        return self.relu(out)


class BasicBlock(ResidualBlock):
    """Two 3x3 convolutions (ResNet-18/34): (B, C_in, H, W) -> (B, C_out, H/s, W/s).

    Args:
        in_channels, out_channels: channels in and out.
        expansion: out_channels / middle channels; must be 1.
        stride: stride of the first convolution.
        dilation: dilation (and padding) of the first convolution.
        downsample: module mapping the input to the residual's shape, or None.
        style: 'pytorch' or 'caffe' (no effect in this block).
        with_cp: recompute the block in the backward pass (torch checkpointing)
            to save memory; gradients are unchanged.
        conv_cfg, norm_cfg: mmcv layer configs.
    """

    def __init__(self, in_channels, out_channels, expansion=1, stride=1, dilation=1, downsample=None,
                 style='pytorch', with_cp=False, conv_cfg=None, norm_cfg=dict(type='BN'), init_cfg=None):
        norm_cfg = copy.deepcopy(norm_cfg)
        super().__init__(init_cfg=init_cfg)
        assert expansion == 1, f'BasicBlock: expansion must be 1, got {expansion}'
        assert out_channels % expansion == 0
        self.in_channels, self.out_channels, self.expansion = in_channels, out_channels, expansion
        self.mid_channels = out_channels // expansion
        self.stride, self.dilation, self.style, self.with_cp = stride, dilation, style, with_cp
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg

        self.norm1_name, norm1 = build_norm_layer(norm_cfg, self.mid_channels, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, out_channels, postfix=2)
        self.conv1 = build_conv_layer(conv_cfg, in_channels, self.mid_channels, 3, stride=stride,
                                      padding=dilation, dilation=dilation, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, self.mid_channels, out_channels, 3, padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    @property
    def norm2(self):
        return getattr(self, self.norm2_name)

    def residual(self, x):
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.norm2(self.conv2(out))
        return out + (x if self.downsample is None else self.downsample(x))


class Bottleneck(ResidualBlock):
    """1x1 -> 3x3 -> 1x1 convolutions (ResNet-50/101/152).

    Args as :class:`BasicBlock`; ``expansion`` (default 4) = out_channels /
    middle channels. ``style='pytorch'`` puts the stride on the 3x3
    convolution, ``'caffe'`` on the first 1x1.
    """

    def __init__(self, in_channels, out_channels, expansion=4, stride=1, dilation=1, downsample=None,
                 style='pytorch', with_cp=False, conv_cfg=None, norm_cfg=dict(type='BN'), init_cfg=None):
        norm_cfg = copy.deepcopy(norm_cfg)
        super().__init__(init_cfg=init_cfg)
        assert style in ['pytorch', 'caffe'], f"Bottleneck: style must be 'pytorch' or 'caffe', got {style!r}"
        assert out_channels % expansion == 0
        self.in_channels, self.out_channels, self.expansion = in_channels, out_channels, expansion
        self.mid_channels = out_channels // expansion
        self.stride, self.dilation, self.style, self.with_cp = stride, dilation, style, with_cp
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.conv1_stride, self.conv2_stride = (1, stride) if style == 'pytorch' else (stride, 1)

        self.norm1_name, norm1 = build_norm_layer(norm_cfg, self.mid_channels, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, self.mid_channels, postfix=2)
        self.norm3_name, norm3 = build_norm_layer(norm_cfg, out_channels, postfix=3)
        self.conv1 = build_conv_layer(conv_cfg, in_channels, self.mid_channels, kernel_size=1,
                                      stride=self.conv1_stride, bias=False)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, self.mid_channels, self.mid_channels, kernel_size=3,
                                      stride=self.conv2_stride, padding=dilation, dilation=dilation, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.conv3 = build_conv_layer(conv_cfg, self.mid_channels, out_channels, kernel_size=1, bias=False)
        self.add_module(self.norm3_name, norm3)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    @property
    def norm2(self):
        return getattr(self, self.norm2_name)

    @property
    def norm3(self):
        return getattr(self, self.norm3_name)

    def residual(self, x):
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.relu(self.norm2(self.conv2(out)))
        out = self.norm3(self.conv3(out))
        return out + (x if self.downsample is None else self.downsample(x))


def block_expansion(block, expansion=None) -> int:
    """``expansion`` if given (a positive int), else the block's default (1 or 4)."""
    if isinstance(expansion, int):
        assert expansion > 0
        return expansion
    if expansion is not None:
        raise TypeError('expansion must be an integer or None')
    if block is BasicBlock:
        return 1
    if block is Bottleneck:
        return 4
    if hasattr(block, 'expansion'):
        return block.expansion
    raise TypeError(f'expansion is not specified for {block.__name__}')


class ResLayer(nn.Sequential):
    """One stage: ``num_blocks`` blocks, the first with ``stride`` and, where
    the shape changes, a 1x1 convolution + norm on the shortcut (with
    ``avg_down``: an average pool does the striding, the convolution has stride 1)."""

    def __init__(self, block, num_blocks, in_channels, out_channels, expansion=None, stride=1,
                 avg_down=False, conv_cfg=None, norm_cfg=dict(type='BN'), **block_kwargs):
        norm_cfg = copy.deepcopy(norm_cfg)
        self.block = block
        self.expansion = block_expansion(block, expansion)
        downsample = None
        if stride != 1 or in_channels != out_channels:
            shortcut = []
            conv_stride = stride
            if avg_down and stride != 1:
                conv_stride = 1
                shortcut.append(nn.AvgPool2d(kernel_size=stride, stride=stride, ceil_mode=True,
                                             count_include_pad=False))
            shortcut.append(build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size=1,
                                             stride=conv_stride, bias=False))
            shortcut.append(build_norm_layer(norm_cfg, out_channels)[1])
            downsample = nn.Sequential(*shortcut)
        blocks = [block(in_channels=in_channels, out_channels=out_channels, expansion=self.expansion,
                        stride=stride, downsample=downsample, conv_cfg=conv_cfg, norm_cfg=norm_cfg,
                        **block_kwargs)]
        blocks += [block(in_channels=out_channels, out_channels=out_channels, expansion=self.expansion,
                         stride=1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, **block_kwargs)
                   for _ in range(1, num_blocks)]
        super().__init__(*blocks)
