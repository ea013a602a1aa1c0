"""ResNet: every depth, with mmpose's and torchvision's parameter names, takes mmpose 1.3's
arguments, and each one does what it says.

Every test here would fail if its argument were accepted and ignored: a
frozen stage keeps its weights through an optimiser step, ``norm_eval``
keeps the BatchNorm statistics, ``with_cp`` gives the same gradients,
``zero_init_residual`` zeroes the last norm of each block, and
``init_cfg=None`` leaves PyTorch's layer defaults (as mmpose), where the
default ``init_cfg`` is Kaiming.
"""
import math

import pytest
import torch
import torchvision
from torch import nn

from mmpose_face.models.backbones import ResNet, ResNetV1d
from mmpose_face.models.backbones.resnet_blocks import BasicBlock, Bottleneck
from mmpose_face.registry import MODELS


def small(**kwargs):
    """ResNet-18 with narrow layers: the same code paths in a fraction of the time."""
    kwargs.setdefault('depth', 18)
    return ResNet(base_channels=8, stem_channels=8, **kwargs)


def train_one_step(model, inputs):
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    model.train()
    loss = sum(out.square().mean() for out in model(inputs))
    loss.backward()
    optimizer.step()


def test_frozen_stages_keep_stem_and_stage_weights_and_eval_mode(one_thread):
    torch.manual_seed(0)
    model = small(frozen_stages=1, out_indices=(0, 1, 2, 3), zero_init_residual=False)  # (zeroed last norms: no gradient into a block)
    model.init_weights()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    train_one_step(model, torch.randn(2, 3, 32, 32))
    after = model.state_dict()
    frozen = [k for k in before if k.startswith(('conv1.', 'bn1.', 'layer1.'))]
    trained = [k for k in before if k.startswith('layer2.') and k.endswith('conv1.weight')]
    assert frozen and all(torch.equal(before[k], after[k]) for k in frozen)  # running stats too: eval mode
    assert trained and not all(torch.equal(before[k], after[k]) for k in trained)
    assert not model.bn1.training and not model.layer1.training and model.layer2.training
    assert not any(p.requires_grad for p in model.layer1.parameters())


def test_frozen_deep_stem_is_frozen_too(one_thread):
    model = ResNetV1d(depth=18, base_channels=8, stem_channels=8, frozen_stages=0)
    model.train()
    assert not model.stem.training and not any(p.requires_grad for p in model.stem.parameters())
    assert all(p.requires_grad for p in model.layer1.parameters())


def test_norm_eval_keeps_batchnorm_statistics(one_thread):
    inputs = torch.randn(2, 3, 32, 32) * 3 + 1
    for norm_eval in (True, False):
        torch.manual_seed(0)
        model = small(norm_eval=norm_eval).train()
        stats = model.layer2[0].bn1.running_mean.clone()
        with torch.no_grad():
            model(inputs)
        unchanged = torch.equal(stats, model.layer2[0].bn1.running_mean)
        assert unchanged == norm_eval
        assert model.training  # the backbone itself stays in train mode


def test_with_cp_gives_the_same_outputs_and_gradients(one_thread):
    inputs = torch.randn(2, 3, 32, 32)
    grads = []
    for with_cp in (False, True):
        torch.manual_seed(0)
        model = small(with_cp=with_cp, depth=50, zero_init_residual=False).train()
        model.init_weights()
        x = inputs.clone().requires_grad_(True)
        (out, ) = model(x)
        out.square().mean().backward()
        grads.append((out.detach(), x.grad, model.layer3[1].conv2.weight.grad))
    for plain, checkpointed in zip(*grads):
        assert torch.allclose(plain, checkpointed, atol=1e-6, rtol=1e-5)
    assert grads[0][2].abs().sum() > 0


@pytest.mark.parametrize('depth, last_norm', [(18, 'norm2'), (50, 'norm3')])
def test_zero_init_residual_zeroes_the_last_norm_of_each_block(depth, last_norm):
    for zero_init in (True, False):
        model = small(depth=depth, zero_init_residual=zero_init)
        model.init_weights()
        block = model.layer2[1]
        assert isinstance(block, BasicBlock if depth == 18 else Bottleneck)
        weight = getattr(block, last_norm).weight
        assert (weight.abs().sum() == 0) == zero_init
        assert model.layer2[1].norm1.weight.abs().sum() > 0


def test_zero_init_residual_is_skipped_for_a_pretrained_init_cfg(tmp_path):
    reference = small()
    reference.init_weights()
    with torch.no_grad():
        reference.layer1[0].bn2.weight.fill_(0.5)
    path = tmp_path / 'weights.pth'
    torch.save(reference.state_dict(), path)
    model = small(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    model.init_weights()
    assert torch.all(model.layer1[0].bn2.weight == 0.5)


def test_init_cfg_none_keeps_pytorch_defaults_and_the_default_is_kaiming():
    """PyTorch's Conv2d default: U(-b, b), b = 1/sqrt(fan_in) (std b/sqrt(3));
    mmpose's default init_cfg: Kaiming normal, fan_out, std sqrt(2/fan_out)."""
    torch.manual_seed(0)
    plain = ResNet(depth=18, init_cfg=None)
    plain.init_weights()
    torch.manual_seed(0)
    kaiming = ResNet(depth=18)
    kaiming.init_weights()
    for name in ('conv1', 'layer3.0.conv2'):
        w_plain = plain.get_submodule(name).weight.detach()
        w_kaiming = kaiming.get_submodule(name).weight.detach()
        out_c, in_c, kh, kw = w_plain.shape
        bound = 1 / math.sqrt(in_c * kh * kw)
        assert w_plain.abs().max() <= bound
        assert w_plain.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.05)
        assert w_kaiming.std().item() == pytest.approx(math.sqrt(2 / (out_c * kh * kw)), rel=0.05)
        assert w_kaiming.abs().max() > bound  # a normal distribution, not the bounded uniform
    # norms: 1 and 0 either way, except the zero-initialised last norm of each block
    assert torch.all(plain.layer1[0].bn1.weight == 1) and torch.all(plain.layer1[0].bn2.weight == 0)


def test_same_seed_same_initial_weights():
    weights = []
    for _ in range(2):
        torch.manual_seed(3)
        model = ResNet(depth=18, init_cfg=None)
        model.init_weights()
        weights.append(model.state_dict())
    assert all(torch.equal(weights[0][k], weights[1][k]) for k in weights[0])


def test_style_caffe_puts_the_stride_on_the_first_1x1_convolution():
    pytorch_block = small(depth=50).layer2[0]
    caffe_block = small(depth=50, style='caffe').layer2[0]
    assert (pytorch_block.conv1.stride, pytorch_block.conv2.stride) == ((1, 1), (2, 2))
    assert (caffe_block.conv1.stride, caffe_block.conv2.stride) == ((2, 2), (1, 1))
    with pytest.raises(AssertionError):
        small(depth=50, style='tensorflow')


def test_strides_dilations_num_stages_and_out_indices_shape_the_output():
    model = small(num_stages=3, strides=(1, 2, 1), dilations=(1, 1, 2), out_indices=(0, 1, 2)).eval()
    assert not hasattr(model, 'layer4') and model.res_layers == ['layer1', 'layer2', 'layer3']
    assert model.layer3[0].conv1.dilation == (2, 2) and model.layer3[0].conv1.padding == (2, 2)
    with torch.no_grad():
        outs = model(torch.zeros(1, 3, 64, 64))
    assert [tuple(o.shape) for o in outs] == [(1, 8, 16, 16), (1, 16, 8, 8), (1, 32, 8, 8)]


@pytest.mark.parametrize('bad', [dict(num_stages=5, strides=(1,) * 5, dilations=(1,) * 5),
                                 dict(strides=(1, 2, 2)),
                                 dict(num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(3, ))])
def test_inconsistent_stage_settings_are_refused_as_mmpose_does(bad):
    with pytest.raises(AssertionError):
        small(**bad)


def test_channels_arguments():
    model = ResNet(depth=50, in_channels=1, stem_channels=16, base_channels=4, out_indices=(0, 3)).eval()
    assert model.conv1.weight.shape == (16, 1, 7, 7)
    with torch.no_grad():
        first, last = model(torch.zeros(2, 1, 64, 64))
    assert first.shape == (2, 16, 16, 16) and last.shape == (2, 128, 2, 2)  # 4 * 4 * 2**3
    assert model.feat_dim == 128


def test_deep_stem_and_avg_down_give_resnet_d_layers():
    model = ResNet(depth=50, deep_stem=True, avg_down=True, base_channels=8, stem_channels=16)
    keys = set(model.state_dict())
    assert {'stem.0.conv.weight', 'stem.0.bn.weight', 'stem.2.conv.weight', 'layer2.0.downsample.1.weight',
            'layer2.0.downsample.2.running_mean'} <= keys
    assert 'conv1.weight' not in keys
    assert isinstance(model.layer2[0].downsample[0], nn.AvgPool2d)
    assert not isinstance(model.layer1[0].downsample[0], nn.AvgPool2d)  # stride 1: no pooling
    v1d = MODELS.build(dict(type='ResNetV1d', depth=50, base_channels=8, stem_channels=16))
    assert set(v1d.state_dict()) == keys
    with torch.no_grad():
        assert v1d.eval()(torch.zeros(1, 3, 64, 64))[0].shape == (1, 256, 2, 2)


def test_norm_cfg_chooses_the_norm_layer_and_its_names():
    model = small(norm_cfg=dict(type='GN', num_groups=4, requires_grad=False))
    assert isinstance(model.gn1, nn.GroupNorm) and isinstance(model.layer1[0].gn2, nn.GroupNorm)
    assert not model.gn1.weight.requires_grad
    assert 'layer1.0.gn1.weight' in model.state_dict()


def test_expansion_must_be_a_positive_int_or_none():
    assert small(depth=50, expansion=2).layer1[0].conv3.out_channels == 16
    with pytest.raises(TypeError):
        small(depth=50, expansion=2.0)


# --------------------------------------------------------------------------- ResNet
@pytest.mark.parametrize('depth, channels', [(18, 512), (34, 512), (50, 2048), (101, 2048), (152, 2048)])
def test_resnet_depths_build_and_give_stride_32_features(depth, channels):
    with torch.device('meta'):  # shapes without the cost of initialising 60M weights
        backbone = MODELS.build(dict(type='ResNet', depth=depth)).eval()
        (features, ) = backbone(torch.zeros(1, 3, 64, 96))
    assert features.shape == (1, channels, 2, 3)
    blocks = [len(stage) for stage in (backbone.layer1, backbone.layer2, backbone.layer3, backbone.layer4)]
    assert sum(blocks) * (3 if channels == 2048 else 2) + 2 == depth  # conv layers + stem + fc


def test_resnet_out_indices_return_every_requested_stage():
    backbone = MODELS.build(dict(type='ResNet', depth=18, out_indices=(0, 1, 2, 3))).eval()
    with torch.no_grad():
        stages = backbone(torch.zeros(2, 3, 64, 64))
    assert [tuple(s.shape) for s in stages] == [(2, 64, 16, 16), (2, 128, 8, 8), (2, 256, 4, 4), (2, 512, 2, 2)]


def test_resnet_rejects_unknown_depth():
    with pytest.raises(KeyError, match='depth 42'):
        MODELS.build(dict(type='ResNet', depth=42))


@pytest.mark.parametrize('depth', [18, 50])
def test_resnet_parameter_names_are_mmpose_and_torchvision_names_without_fc(depth):
    with torch.device('meta'):
        own = set(MODELS.build(dict(type='ResNet', depth=depth)).state_dict())
        reference = set(getattr(torchvision.models, f'resnet{depth}')().state_dict())
    assert own == reference - {'fc.weight', 'fc.bias'}
    assert {'conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var',
            'layer1.0.conv1.weight', 'layer4.1.bn2.weight'} <= own
    assert ('layer1.0.downsample.0.weight' in own) == (depth == 50)  # bottlenecks widen 64 -> 256


def test_resnet50_has_the_published_parameter_count():
    with torch.device('meta'):
        backbone = MODELS.build(dict(type='ResNet', depth=50))
    assert sum(p.numel() for p in backbone.parameters()) == 23_508_032  # torchvision's 25,557,032 minus fc


def test_pretrained_init_cfg_loads_torchvision_weights_from_a_local_file(tmp_path):
    reference = torchvision.models.resnet18()
    path = tmp_path / 'resnet18_imagenet.pth'
    torch.save(reference.state_dict(), path)  # with its fc, which the backbone does not have
    backbone = MODELS.build(dict(type='ResNet', depth=18,
                                 init_cfg=dict(type='Pretrained', checkpoint=str(path))))
    backbone.init_weights()
    assert torch.equal(backbone.layer3[1].conv2.weight, reference.layer3[1].conv2.weight)
    assert torch.equal(backbone.bn1.running_var, reference.bn1.running_var)
