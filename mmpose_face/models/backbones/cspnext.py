"""CSPNeXt backbone (RTMDet's, the backbone of RTMPose) with mmdet 3.3's arguments,
defaults, initialisation and parameter names, so that RTMPose checkpoints load unchanged.

mmpose's RTMPose configs name it ``dict(_scope_='mmdet', type='CSPNeXt', ...)``;
it is registered in this project's ``mmdet`` scope
(:data:`mmpose_face.registry.MMDET_MODELS`), so no mmdet installation is needed
(docs/mmpose_compatibility.md).
"""
import math

import torch
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule
from torch import nn

from mmpose_face.errors import UserInputKeyError
from mmpose_face.registry import MMDET_MODELS
from mmpose_face.models.utils.csp_layer import CSPLayer
from mmpose_face.models.utils.norm_eval import freeze_batch_norm_statistics
from .spp_bottleneck import SPPBottleneck


@MMDET_MODELS.register_module()
class CSPNeXt(BaseModule):
    """A stem of three 3x3 conv-norm-act (stride 2, 1, 1) and four (P5) or five
    (P6) stages, each a stride-2 3x3 convolution, an :class:`SPPBottleneck` in
    the last stage, and a :class:`~mmpose_face.models.utils.csp_layer.CSPLayer`
    of CSPNeXt blocks.

    Parameter names are mmdet's: ``stem.{0,1,2}.{conv,bn}``,
    ``stage<i>.0.{conv,bn}``, ``stage<i>.1.{main_conv,short_conv,final_conv,
    blocks.<j>,attention}.*`` (``stage<last>.1`` is the SPP block and the CSP
    layer is ``stage<last>.2``).

    Args:
        arch: 'P5' (4 stages, out 1024 x widen_factor channels) or 'P6' (5 stages).
        deepen_factor: blocks per stage x this (rounded, at least 1).
        widen_factor: channels x this (RTMPose-t/s/m/l: 0.375/0.5/0.75/1.0).
        out_indices: which outputs to return: 0 is the stem, i the i-th stage.
        frozen_stages: the stem and stages 1..frozen_stages are kept in eval
            mode and get no gradients; -1 freezes nothing.
        use_depthwise: depthwise separable convolutions in the stages.
        expand_ratio: channels of the CSP branches / stage channels.
        arch_ovewrite: rows ``[in_channels, out_channels, num_blocks,
            add_identity, use_spp]`` replacing the arch's (mmdet's spelling).
        spp_kernel_sizes: max-pooling kernels of the SPP block.
        channel_attention: channel attention in each CSP layer.
        conv_cfg, norm_cfg, act_cfg: mmcv layer configs (default BN with
            momentum 0.03 and eps 0.001, and SiLU; RTMPose: SyncBN, which
            becomes BN on one process, see docs/mmpose_compatibility.md).
        norm_eval: keep every BatchNorm in eval mode (statistics frozen) while training.
        init_cfg: default Kaiming uniform (a = sqrt(5), fan_in, leaky_relu) on
            every Conv2d, as mmdet; RTMPose configs give a ``Pretrained`` dict
            with ``prefix='backbone.'``.

    Shapes: (B, 3, H, W) -> tuple over ``out_indices`` of (B, C_i, H / 2**(i+1),
    W / 2**(i+1)), e.g. RTMPose-m (widen 0.75) at 256x256, out_indices=(4,):
    ((B, 768, 8, 8),).
    """

    # rows: in_channels, out_channels, num_blocks, add_identity, use_spp
    arch_settings = {
        'P5': [[64, 128, 3, True, False], [128, 256, 6, True, False], [256, 512, 6, True, False],
               [512, 1024, 3, False, True]],
        'P6': [[64, 128, 3, True, False], [128, 256, 6, True, False], [256, 512, 6, True, False],
               [512, 768, 3, True, False], [768, 1024, 3, False, True]],
    }

    def __init__(self, arch: str = 'P5', deepen_factor: float = 1.0, widen_factor: float = 1.0,
                 out_indices=(2, 3, 4), frozen_stages: int = -1, use_depthwise: bool = False,
                 expand_ratio: float = 0.5, arch_ovewrite: list = None, spp_kernel_sizes=(5, 9, 13),
                 channel_attention: bool = True, conv_cfg=None,
                 norm_cfg=dict(type='BN', momentum=0.03, eps=0.001), act_cfg=dict(type='SiLU'),
                 norm_eval: bool = False,
                 init_cfg=dict(type='Kaiming', layer='Conv2d', a=math.sqrt(5), distribution='uniform',
                               mode='fan_in', nonlinearity='leaky_relu')) -> None:
        super().__init__(init_cfg=init_cfg)
        if arch not in self.arch_settings:
            raise UserInputKeyError(f'CSPNeXt: invalid arch {arch!r}; choose from {sorted(self.arch_settings)}')
        arch_setting = arch_ovewrite if arch_ovewrite else self.arch_settings[arch]
        num_outputs = len(arch_setting) + 1  # the stem and each stage
        assert set(out_indices).issubset(range(num_outputs)), (
            f'CSPNeXt: out_indices {tuple(out_indices)} must be in range({num_outputs}) '
            f'(0: the stem, 1..{num_outputs - 1}: the stages)')
        if frozen_stages not in range(-1, num_outputs):
            raise ValueError(f'CSPNeXt: frozen_stages must be in range(-1, len(arch_setting) + 1) = '
                             f'range(-1, {num_outputs}). But received {frozen_stages}')
        self.out_indices = out_indices
        self.frozen_stages = frozen_stages
        self.use_depthwise = use_depthwise
        self.norm_eval = norm_eval
        stage_conv = DepthwiseSeparableConvModule if use_depthwise else ConvModule
        stem_channels = int(arch_setting[0][0] * widen_factor)
        # mmdet builds the stem without conv_cfg
        self.stem = nn.Sequential(
            ConvModule(3, int(arch_setting[0][0] * widen_factor // 2), 3, padding=1, stride=2, norm_cfg=norm_cfg,
                       act_cfg=act_cfg),
            ConvModule(int(arch_setting[0][0] * widen_factor // 2), int(arch_setting[0][0] * widen_factor // 2),
                       3, padding=1, stride=1, norm_cfg=norm_cfg, act_cfg=act_cfg),
            ConvModule(int(arch_setting[0][0] * widen_factor // 2), stem_channels, 3, padding=1, stride=1,
                       norm_cfg=norm_cfg, act_cfg=act_cfg))
        self.layers = ['stem']
        layer_cfgs = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        for i, (in_channels, out_channels, num_blocks, add_identity, use_spp) in enumerate(arch_setting):
            in_channels = int(in_channels * widen_factor)
            out_channels = int(out_channels * widen_factor)
            num_blocks = max(round(num_blocks * deepen_factor), 1)
            stage = [stage_conv(in_channels, out_channels, 3, stride=2, padding=1, **layer_cfgs)]
            if use_spp:
                stage.append(SPPBottleneck(out_channels, out_channels, kernel_sizes=spp_kernel_sizes, **layer_cfgs))
            stage.append(CSPLayer(out_channels, out_channels, num_blocks=num_blocks, add_identity=add_identity,
                                  use_depthwise=use_depthwise, use_cspnext_block=True, expand_ratio=expand_ratio,
                                  channel_attention=channel_attention, **layer_cfgs))
            self.add_module(f'stage{i + 1}', nn.Sequential(*stage))
            self.layers.append(f'stage{i + 1}')

    def _freeze_stages(self) -> None:
        for name in self.layers[:self.frozen_stages + 1]:
            layer = getattr(self, name)
            layer.eval()
            for param in layer.parameters():
                param.requires_grad = False

    def train(self, mode: bool = True):
        """Train mode, except the frozen stages and (``norm_eval``) every BatchNorm."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            freeze_batch_norm_statistics(self)
        return self

    def forward(self, x: torch.Tensor) -> tuple:
        outs = []
        for i, name in enumerate(self.layers):
            x = getattr(self, name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
