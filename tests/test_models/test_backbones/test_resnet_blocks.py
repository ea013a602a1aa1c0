"""ResNet's residual blocks and stages: shapes, mmpose's (torchvision's) parameter names, the residual
sum worked out by hand, and where each style puts the stride."""
import pytest
import torch

from mmpose_face.models.backbones.resnet_blocks import BasicBlock, Bottleneck, ResLayer, block_expansion


def test_basic_block_is_relu_of_the_residual_plus_the_input():
    block = BasicBlock(8, 8).eval()
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        by_hand = block.bn2(block.conv2(block.relu(block.bn1(block.conv1(x))))) + x
        assert torch.allclose(block(x), torch.relu(by_hand), atol=1e-6)
    assert [name for name, _ in block.named_parameters()] == [
        'conv1.weight', 'bn1.weight', 'bn1.bias', 'conv2.weight', 'bn2.weight', 'bn2.bias']


def test_basic_block_expansion_must_be_1():
    with pytest.raises(AssertionError, match='expansion must be 1'):
        BasicBlock(8, 8, expansion=2)


@pytest.mark.parametrize('style, strided', [('pytorch', 'conv2'), ('caffe', 'conv1')])
def test_bottleneck_channels_and_the_stride_of_each_style(style, strided):
    block = Bottleneck(16, 32, stride=2, style=style,
                       downsample=torch.nn.Sequential(torch.nn.Conv2d(16, 32, 1, stride=2, bias=False),
                                                      torch.nn.BatchNorm2d(32)))
    assert block.mid_channels == 8 and block.conv3.out_channels == 32
    assert getattr(block, strided).stride == (2, 2)
    assert block(torch.randn(1, 16, 8, 8)).shape == (1, 32, 4, 4)
    assert block.norm3 is block.bn3  # the norm layer's name from norm_cfg (BN -> bn)


def test_group_norm_blocks_are_named_gn():
    block = BasicBlock(8, 8, norm_cfg=dict(type='GN', num_groups=2))
    assert block.norm1_name == 'gn1' and isinstance(block.norm1, torch.nn.GroupNorm)


def test_block_expansion_defaults_and_checks():
    assert block_expansion(BasicBlock) == 1 and block_expansion(Bottleneck) == 4
    assert block_expansion(Bottleneck, 2) == 2
    with pytest.raises(TypeError, match='integer or None'):
        block_expansion(Bottleneck, 2.0)
    with pytest.raises(TypeError, match='not specified for Linear'):
        block_expansion(torch.nn.Linear)


@pytest.mark.parametrize('avg_down, names', [(False, ['0', '1']), (True, ['0', '1', '2'])])
def test_res_layer_shortcut_where_the_shape_changes(avg_down, names):
    layer = ResLayer(Bottleneck, 3, in_channels=16, out_channels=64, stride=2, avg_down=avg_down)
    assert len(layer) == 3 and layer[1].downsample is None and layer[2].downsample is None
    assert [name for name, _ in layer[0].downsample.named_children()] == names
    if avg_down:  # the pool strides, the 1x1 convolution does not
        assert isinstance(layer[0].downsample[0], torch.nn.AvgPool2d) and layer[0].downsample[1].stride == (1, 1)
    assert layer(torch.randn(1, 16, 8, 8)).shape == (1, 64, 4, 4)
    assert ResLayer(BasicBlock, 2, in_channels=8, out_channels=8)[0].downsample is None  # same shape: none
