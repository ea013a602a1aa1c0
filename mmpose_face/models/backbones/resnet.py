"""ResNet backbone with mmpose 1.3's arguments, defaults and parameter names."""
import copy

import torch
from mmcv.cnn import ConvModule, build_conv_layer, build_norm_layer
from mmengine.model import BaseModule, constant_init
from torch import nn

from mmpose_face.errors import UserInputKeyError
from mmpose_face.registry import MODELS
from mmpose_face.models.utils.norm_eval import freeze_batch_norm_statistics
from .resnet_blocks import BasicBlock, Bottleneck, ResLayer, block_expansion


@MODELS.register_module()
class ResNet(BaseModule):
    """ResNet-18/34/50/101/152 without its classifier.

    Parameter names are those of mmpose checkpoints (``conv1``, ``bn1``,
    ``layer1.0.conv1``, ``layer1.0.downsample.0`` ...), which are also
    torchvision's, so ``init_cfg=dict(type='Pretrained',
    checkpoint='torchvision://resnet50')`` loads ImageNet weights.

    Args:
        depth: 18, 34, 50, 101 or 152 (else KeyError).
        in_channels: input image channels.
        stem_channels: channels out of the stem.
        base_channels: middle channels of the first stage (x expansion out).
        expansion: block expansion; None: 1 (BasicBlock) or 4 (Bottleneck).
        num_stages: 1-4 stages.
        strides, dilations: per stage, ``num_stages`` each.
        out_indices: which stages' feature maps to return (< num_stages).
        style: 'pytorch' (stride on the 3x3 conv) or 'caffe' (on the 1x1).
        deep_stem: three 3x3 conv-norm-ReLU (``stem.0-2``) instead of the 7x7 conv.
        avg_down: average pooling instead of a strided 1x1 conv on the shortcut.
        frozen_stages: stem and stages 1..frozen_stages are put in eval mode
            and get no gradients; -1 freezes nothing.
        conv_cfg, norm_cfg: mmcv layer configs (``norm_cfg`` e.g.
            ``dict(type='BN', requires_grad=True)``, 'SyncBN', 'GN').
        norm_eval: keep every BatchNorm in eval mode (running statistics
            frozen) while training.
        with_cp: recompute blocks in the backward pass to save memory.
        zero_init_residual: ``init_weights`` sets the last norm of each block
            to 0 (each block starts as the identity), unless ``init_cfg`` is
            a Pretrained dict.
        init_cfg: default Kaiming for convolutions and 1 for norms, as mmpose;
            ``None`` applies no initialiser (PyTorch's layer defaults), as mmpose.

    Shapes: (B, 3, H, W) -> tuple of (B, C_i, H / 2**(i+2), W / 2**(i+2)),
    C = 512 (ResNet-18/34) or 2048 (deeper) for the last stage (defaults).
    """

    arch_settings = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(self, depth, in_channels=3, stem_channels=64, base_channels=64, expansion=None,
                 num_stages=4, strides=(1, 2, 2, 2), dilations=(1, 1, 1, 1), out_indices=(3, ),
                 style='pytorch', deep_stem=False, avg_down=False, frozen_stages=-1, conv_cfg=None,
                 norm_cfg=dict(type='BN', requires_grad=True), norm_eval=False, with_cp=False,
                 zero_init_residual=True,
                 init_cfg=[dict(type='Kaiming', layer=['Conv2d']),
                           dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]):
        norm_cfg = copy.deepcopy(norm_cfg)
        super().__init__(init_cfg)
        if depth not in self.arch_settings:
            raise UserInputKeyError(f'ResNet: invalid depth {depth} for resnet; choose from {sorted(self.arch_settings)}')
        assert 1 <= num_stages <= 4, f'ResNet: num_stages must be 1-4, got {num_stages}'
        assert len(strides) == len(dilations) == num_stages, (
            f'ResNet: strides {strides} and dilations {dilations} need num_stages={num_stages} entries')
        assert max(out_indices) < num_stages, f'ResNet: out_indices {out_indices} beyond num_stages={num_stages}'
        self.depth, self.stem_channels, self.base_channels = depth, stem_channels, base_channels
        self.num_stages, self.strides, self.dilations = num_stages, strides, dilations
        self.out_indices, self.style = out_indices, style
        self.deep_stem, self.avg_down, self.frozen_stages = deep_stem, avg_down, frozen_stages
        self.conv_cfg, self.norm_cfg = conv_cfg, norm_cfg
        self.with_cp, self.norm_eval, self.zero_init_residual = with_cp, norm_eval, zero_init_residual
        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]
        self.expansion = block_expansion(self.block, expansion)

        self._make_stem_layer(in_channels, stem_channels)
        self.res_layers = []
        stage_in, stage_out = stem_channels, base_channels * self.expansion
        for i, num_blocks in enumerate(self.stage_blocks):
            layer = ResLayer(block=self.block, num_blocks=num_blocks, in_channels=stage_in,
                             out_channels=stage_out, expansion=self.expansion, stride=strides[i],
                             dilation=dilations[i], style=style, avg_down=avg_down, with_cp=with_cp,
                             conv_cfg=conv_cfg, norm_cfg=norm_cfg)
            self.add_module(f'layer{i + 1}', layer)
            self.res_layers.append(f'layer{i + 1}')
            stage_in, stage_out = stage_out, stage_out * 2
        self._freeze_stages()
        self.feat_dim = layer[-1].out_channels
        self.out_channels = [base_channels * self.expansion * 2**i for i in range(num_stages)]

    def _make_stem_layer(self, in_channels, stem_channels):
        if self.deep_stem:
            half = stem_channels // 2
            self.stem = nn.Sequential(*[
                ConvModule(c_in, c_out, kernel_size=3, stride=stride, padding=1, conv_cfg=self.conv_cfg,
                           norm_cfg=self.norm_cfg, inplace=True)
                for c_in, c_out, stride in ((in_channels, half, 2), (half, half, 1), (half, stem_channels, 1))])
        else:
            self.conv1 = build_conv_layer(self.conv_cfg, in_channels, stem_channels, kernel_size=7, stride=2,
                                          padding=3, bias=False)
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    @property
    def norm1(self):
        return getattr(self, self.norm1_name)

    def _freeze_stages(self):
        if self.frozen_stages >= 0:
            stem = [self.stem] if self.deep_stem else [self.conv1, self.norm1]
            for module in stem:
                module.eval()
                for param in module.parameters():
                    param.requires_grad = False
        for i in range(1, self.frozen_stages + 1):
            layer = getattr(self, f'layer{i}')
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def init_weights(self):
        super().init_weights()
        if isinstance(self.init_cfg, dict) and self.init_cfg['type'] == 'Pretrained':
            return  # the pretrained last norms are kept
        if self.zero_init_residual:
            for module in self.modules():
                if isinstance(module, Bottleneck):
                    constant_init(module.norm3, 0)
                elif isinstance(module, BasicBlock):
                    constant_init(module.norm2, 0)

    def forward(self, x: torch.Tensor) -> tuple:
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        outs = []
        for i, name in enumerate(self.res_layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True):
        """Train mode, except the frozen stages and (``norm_eval``) every BatchNorm."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            freeze_batch_norm_statistics(self)
        return self


@MODELS.register_module()
class ResNetV1d(ResNet):
    """ResNet-D (He et al., "Bag of Tricks", 2019): a deep stem of three 3x3
    convolutions and average-pool downsampling on the shortcuts.
    Arguments as :class:`ResNet` (``deep_stem`` and ``avg_down`` are set)."""

    def __init__(self, **kwargs):
        super().__init__(deep_stem=True, avg_down=True, **kwargs)
