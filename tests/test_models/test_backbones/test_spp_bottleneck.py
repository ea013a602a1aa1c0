"""SPPBottleneck: 1x1 conv to half the channels, that map and its max-poolings concatenated, 1x1 conv."""
import torch
import torch.nn.functional as F

from mmpose_face.models.backbones.spp_bottleneck import SPPBottleneck


def test_pyramid_is_the_map_and_its_same_size_poolings_in_order():
    torch.manual_seed(0)
    spp = SPPBottleneck(8, 12, kernel_sizes=(3, 5)).eval()
    x = torch.randn(1, 8, 7, 7)
    with torch.no_grad():
        half = spp.conv1(x)
        pyramid = torch.cat([half, F.max_pool2d(half, 3, 1, 1), F.max_pool2d(half, 5, 1, 2)], dim=1)
        assert torch.allclose(spp(x), spp.conv2(pyramid))
    assert spp(x).shape == (1, 12, 7, 7)


def test_names_and_defaults_are_mmdets():
    spp = SPPBottleneck(8, 8)
    assert [p.kernel_size for p in spp.poolings] == [5, 9, 13]
    assert spp.conv1.conv.out_channels == 4 and spp.conv2.conv.in_channels == 16
    assert [k for k in spp.state_dict() if k.endswith('conv.weight')] == ['conv1.conv.weight', 'conv2.conv.weight']
