"""CSPLayer: main branch through the blocks, short branch as is, concatenated (main first),
optionally channel attention, fused by a 1x1 convolution."""
import torch

from mmpose_face.models.utils import CSPLayer, CSPNeXtBlock, DarknetBottleneck


def test_forward_concatenates_main_then_short_and_fuses():
    torch.manual_seed(0)
    layer = CSPLayer(8, 16, num_blocks=2, use_cspnext_block=True, channel_attention=True).eval()
    x = torch.randn(1, 8, 6, 6)
    with torch.no_grad():
        both = torch.cat((layer.blocks(layer.main_conv(x)), layer.short_conv(x)), dim=1)
        assert torch.allclose(layer(x), layer.final_conv(layer.attention(both)), atol=1e-6)
    assert layer(x).shape == (1, 16, 6, 6)


def test_block_type_count_and_branch_channels():
    layer = CSPLayer(8, 16, expand_ratio=0.25, num_blocks=3)
    assert len(layer.blocks) == 3 and all(isinstance(b, DarknetBottleneck) for b in layer.blocks)
    assert layer.main_conv.conv.out_channels == 4 and layer.final_conv.conv.in_channels == 8
    assert not hasattr(layer, 'attention') and not layer.channel_attention  # mmdet's default: off
    assert isinstance(CSPLayer(8, 8, use_cspnext_block=True).blocks[0], CSPNeXtBlock)
    # blocks get expansion 1.0 (hidden = branch channels) and add_identity as given
    block = CSPLayer(8, 16, add_identity=False, use_cspnext_block=True).blocks[0]
    assert block.conv1.conv.out_channels == 8 and not block.add_identity


def test_parameter_names_are_mmdets():
    keys = list(CSPLayer(8, 8, use_cspnext_block=True, channel_attention=True).state_dict())
    assert [k for k in keys if k.endswith('.weight') and 'bn' not in k] == [
        'main_conv.conv.weight', 'short_conv.conv.weight', 'final_conv.conv.weight', 'blocks.0.conv1.conv.weight',
        'blocks.0.conv2.depthwise_conv.conv.weight', 'blocks.0.conv2.pointwise_conv.conv.weight',
        'attention.fc.weight']
