"""CSPNeXtBlock: a 3x3 conv, then a large-kernel depthwise and a pointwise conv, plus the input."""
import torch

from mmpose_face.models.utils import CSPNeXtBlock


def test_second_convolution_is_depthwise_with_the_kernel_size_and_keeps_the_size():
    block = CSPNeXtBlock(8, 8, expansion=1.0, kernel_size=7).eval()  # as CSPLayer builds it
    depthwise = block.conv2.depthwise_conv.conv
    assert depthwise.kernel_size == (7, 7) and depthwise.groups == 8 and depthwise.padding == (3, 3)
    assert block.conv2.pointwise_conv.conv.kernel_size == (1, 1)
    x = torch.randn(1, 8, 9, 9)
    with torch.no_grad():
        assert torch.allclose(block(x), block.conv2(block.conv1(x)) + x)


def test_names_defaults_and_depthwise_first_convolution_are_mmdets():
    block = CSPNeXtBlock(8, 16, expansion=0.5)
    assert block.conv1.conv.kernel_size == (3, 3) and block.conv1.conv.out_channels == 8
    assert block.conv2.depthwise_conv.conv.kernel_size == (5, 5)  # default kernel_size
    assert type(block.conv1.activate).__name__ == 'SiLU' and not block.add_identity
    keys = CSPNeXtBlock(8, 8, use_depthwise=True).state_dict()
    assert 'conv1.depthwise_conv.conv.weight' in keys and 'conv1.pointwise_conv.conv.weight' in keys
