"""CSPNeXt takes mmdet 3.3.0's arguments (as RTMPose configs give them), and each does what it says.

Side by side with mmdet itself (same keys, init and outputs):
test_cspnext_matches_mmdet.py. Offline pretrained weights and the ``mmdet``
scope: test_cspnext_pretrained_offline.py, tests/test_registry_mmdet_scope.py.
"""
import math

import pytest
import torch
from mmengine.logging import MMLogger
from torch import nn

from mmpose_face.models.backbones import CSPNeXt
from mmpose_face.models.utils.csp_layer import CSPLayer
from mmpose_face.models.utils.cspnext_block import CSPNeXtBlock
from mmpose_face.models.backbones.spp_bottleneck import SPPBottleneck

# the narrowest RTMPose-like settings: every stage has one block, 24 stem channels
TINY = dict(deepen_factor=0.167, widen_factor=0.375, expand_ratio=0.5, channel_attention=True)


@pytest.fixture(autouse=True)
def quiet_init():
    """init_weights reports every parameter at INFO; keep the test output readable."""
    logger = MMLogger.get_current_instance()
    level = logger.level
    logger.setLevel('WARNING')
    yield
    logger.setLevel(level)


def train_one_step(model, inputs):
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    model.train()
    loss = sum(out.square().mean() for out in model(inputs))
    loss.backward()
    optimizer.step()


@pytest.mark.parametrize('arch, widths', [('P5', (24, 48, 96, 192, 384)), ('P6', (24, 48, 96, 192, 288, 384))])
def test_outputs_per_out_indices_halve_the_size_at_every_stage(arch, widths, one_thread):
    indices = tuple(range(len(widths)))
    model = CSPNeXt(arch=arch, out_indices=indices, **TINY).eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64))
    assert [tuple(out.shape) for out in outs] == [(1, width, 64 // 2 ** (i + 1), 64 // 2 ** (i + 1))
                                                  for i, width in enumerate(widths)]
    with torch.no_grad():
        last_only = model.__class__(arch=arch, out_indices=(len(widths) - 1,), **TINY).eval()
        last_only.load_state_dict(model.state_dict())
        assert torch.equal(last_only(torch.ones(1, 3, 64, 64))[0], model(torch.ones(1, 3, 64, 64))[-1])


def test_default_out_indices_are_the_last_three_outputs(one_thread):
    model = CSPNeXt(**TINY).eval()
    assert model.out_indices == (2, 3, 4)
    with torch.no_grad():
        assert [out.shape[1] for out in model(torch.randn(1, 3, 64, 64))] == [96, 192, 384]


def test_structure_and_parameter_names_are_mmdets():
    model = CSPNeXt(**TINY)
    assert model.layers == ['stem', 'stage1', 'stage2', 'stage3', 'stage4']
    assert isinstance(model.stage4[1], SPPBottleneck) and isinstance(model.stage4[2], CSPLayer)
    assert all(len(getattr(model, f'stage{i}')) == 2 for i in (1, 2, 3))
    assert isinstance(model.stage1[1].blocks[0], CSPNeXtBlock)
    keys = list(model.state_dict())
    assert keys[:6] == ['stem.0.conv.weight', 'stem.0.bn.weight', 'stem.0.bn.bias', 'stem.0.bn.running_mean',
                        'stem.0.bn.running_var', 'stem.0.bn.num_batches_tracked']
    for key in ('stage1.1.main_conv.conv.weight', 'stage1.1.short_conv.bn.running_var',
                'stage1.1.final_conv.conv.weight', 'stage1.1.blocks.0.conv1.conv.weight',
                'stage1.1.blocks.0.conv2.depthwise_conv.conv.weight',
                'stage1.1.blocks.0.conv2.pointwise_conv.bn.bias', 'stage1.1.attention.fc.weight',
                'stage1.1.attention.fc.bias', 'stage4.1.conv1.conv.weight', 'stage4.1.conv2.bn.weight',
                'stage4.2.blocks.0.conv1.bn.weight'):
        assert key in keys, key
    assert len(keys) == 206  # as mmdet's (benchmarks/compare_cspnext_with_mmdet.py)
    # RTMPose-t's backbone has 2,348,700 parameters, as mmdet's (benchmarks/compare_cspnext_with_mmdet.py)
    assert sum(p.numel() for p in model.parameters()) == 2_348_700


def test_deepen_factor_rounds_the_blocks_per_stage_with_at_least_one():
    model = CSPNeXt(deepen_factor=0.67, widen_factor=0.125)  # RTMPose-m's depth: 3, 6, 6, 3 -> 2, 4, 4, 2
    assert [len(getattr(model, f'stage{i}')[-1].blocks) for i in (1, 2, 3, 4)] == [2, 4, 4, 2]
    assert [len(getattr(CSPNeXt(deepen_factor=0.01, widen_factor=0.125), f'stage{i}')[-1].blocks)
            for i in (1, 2, 3, 4)] == [1, 1, 1, 1]


def test_last_stage_has_no_identity_and_others_do():
    model = CSPNeXt(**TINY)
    assert model.stage1[1].blocks[0].add_identity and not model.stage4[2].blocks[0].add_identity


def test_channel_attention_false_has_no_attention_parameters():
    keys = CSPNeXt(**dict(TINY, channel_attention=False)).state_dict()
    assert not any('attention' in key for key in keys)


def test_expand_ratio_sets_the_branch_channels():
    model = CSPNeXt(**dict(TINY, expand_ratio=0.25))
    assert model.stage1[1].main_conv.conv.out_channels == 12  # 48 x 0.25


def test_use_depthwise_makes_the_stage_convolutions_depthwise_separable():
    keys = CSPNeXt(**dict(TINY, use_depthwise=True)).state_dict()
    assert 'stage1.0.depthwise_conv.conv.weight' in keys and 'stage1.0.pointwise_conv.bn.weight' in keys
    assert 'stage1.1.blocks.0.conv1.depthwise_conv.conv.weight' in keys
    assert 'stem.0.conv.weight' in keys  # the stem stays plain, as mmdet's


def test_arch_ovewrite_replaces_the_stage_table(one_thread):
    model = CSPNeXt(arch_ovewrite=[[16, 32, 1, True, False], [32, 64, 1, False, True]], out_indices=(0, 1, 2))
    assert model.layers == ['stem', 'stage1', 'stage2']
    with torch.no_grad():
        assert [out.shape[1] for out in model.eval()(torch.randn(1, 3, 32, 32))] == [16, 32, 64]


def test_spp_kernel_sizes_set_the_poolings():
    model = CSPNeXt(**dict(TINY, spp_kernel_sizes=(3, 5)))
    assert [pool.kernel_size for pool in model.stage4[1].poolings] == [3, 5]
    assert model.stage4[1].conv2.conv.in_channels == 192 * 3  # (384 // 2) x (1 + 2 poolings)


def test_norm_and_act_cfg_reach_every_layer():
    model = CSPNeXt(**dict(TINY, norm_cfg=dict(type='BN', momentum=0.1, eps=1e-5), act_cfg=dict(type='ReLU')))
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and all(m.momentum == 0.1 and m.eps == 1e-5 for m in norms)
    assert not any(isinstance(m, nn.SiLU) for m in model.modules())
    defaults = CSPNeXt(**TINY)  # mmdet's default norm: momentum 0.03, eps 0.001; SiLU
    assert all(m.momentum == 0.03 and m.eps == 0.001 for m in defaults.modules() if isinstance(m, nn.BatchNorm2d))
    assert any(isinstance(m, nn.SiLU) for m in defaults.modules())


def test_frozen_stages_keep_stem_and_stage_weights_and_eval_mode(one_thread):
    torch.manual_seed(0)
    model = CSPNeXt(frozen_stages=1, out_indices=(0, 1, 2, 3, 4), **TINY)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    train_one_step(model, torch.randn(2, 3, 32, 32))
    after = model.state_dict()
    for key in before:
        frozen = key.startswith(('stem.', 'stage1.'))
        if key.endswith('num_batches_tracked'):
            continue
        assert torch.equal(before[key], after[key]) == frozen, key
    assert not model.stem.training and not model.stage1.training and model.stage2.training
    assert not any(p.requires_grad for p in model.stage1.parameters())


def test_norm_eval_keeps_batchnorm_statistics(one_thread):
    model = CSPNeXt(norm_eval=True, **TINY)
    before = model.stage2[0].bn.running_mean.clone()
    train_one_step(model, torch.randn(2, 3, 32, 32))
    assert torch.equal(model.stage2[0].bn.running_mean, before) and model.training
    plain = CSPNeXt(**TINY)
    train_one_step(plain, torch.randn(2, 3, 32, 32))
    assert not torch.equal(plain.stage2[0].bn.running_mean, before)


def test_default_init_is_kaiming_uniform_with_mmdets_arguments():
    assert CSPNeXt.__init__.__defaults__[-1] == dict(
        type='Kaiming', layer='Conv2d', a=math.sqrt(5), distribution='uniform', mode='fan_in',
        nonlinearity='leaky_relu')
    torch.manual_seed(0)
    model = CSPNeXt(**TINY)
    with torch.no_grad():
        model.stage1[1].attention.fc.bias.fill_(1.)
    model.init_weights()
    # a = sqrt(5), fan_in: bound = gain * sqrt(3 / fan_in) with gain sqrt(2 / 6): 1 / sqrt(fan_in)
    weight = model.stage1[1].attention.fc.weight
    bound = 1 / math.sqrt(weight.shape[1])
    assert weight.abs().max() <= bound and weight.abs().max() > 0.9 * bound
    assert torch.equal(model.stage1[1].attention.fc.bias, torch.zeros(48))  # KaimingInit's bias=0


@pytest.mark.parametrize('kwargs, error, message', [
    (dict(arch='P7'), KeyError, "invalid arch 'P7'"),
    (dict(out_indices=(5,)), AssertionError, r'out_indices \(5,\) must be in range\(5\)'),
    (dict(frozen_stages=5), ValueError, r'frozen_stages must be in range\(-1, len\(arch_setting\) \+ 1\)'),
    (dict(frozen_stages=-2), ValueError, 'But received -2'),
])
def test_bad_arguments_raise_mmdets_exception_types_naming_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        CSPNeXt(**dict(TINY, **kwargs))


def test_p6_accepts_out_index_5_and_frozen_stages_5():
    model = CSPNeXt(arch='P6', out_indices=(5,), frozen_stages=5, **TINY)
    assert model.frozen_stages == 5 and model.layers[-1] == 'stage5'
