"""DarknetBottleneck: 1x1 then 3x3 conv-norm-act, plus the input when the channels agree."""
import torch

from mmpose_face.models.utils import DarknetBottleneck


def test_identity_is_added_only_when_asked_and_the_channels_agree():
    torch.manual_seed(0)
    block = DarknetBottleneck(8, 8).eval()
    x = torch.randn(1, 8, 6, 6)
    with torch.no_grad():
        assert torch.allclose(block(x), block.conv2(block.conv1(x)) + x)
    assert not DarknetBottleneck(8, 16).add_identity and not DarknetBottleneck(8, 8, add_identity=False).add_identity


def test_layers_names_and_defaults_are_mmdets():
    block = DarknetBottleneck(8, 16, expansion=0.25)
    assert block.conv1.conv.kernel_size == (1, 1) and block.conv1.conv.out_channels == 4
    assert block.conv2.conv.kernel_size == (3, 3) and block.conv2.conv.out_channels == 16
    assert block.conv1.bn.momentum == 0.03 and block.conv1.bn.eps == 0.001
    assert type(block.conv1.activate).__name__ == 'Swish'  # mmdet's default act_cfg here
    keys = DarknetBottleneck(8, 8, use_depthwise=True).state_dict()
    assert 'conv2.depthwise_conv.conv.weight' in keys and 'conv2.pointwise_conv.bn.bias' in keys
    assert 'conv1.conv.weight' in keys  # the 1x1 stays a plain convolution
