"""ChannelAttention: x times a hard-sigmoid gate of a 1x1 conv of each channel's spatial mean."""
import torch
import torch.nn.functional as F

from mmpose_face.models.utils import ChannelAttention


def test_output_is_the_input_gated_per_channel():
    torch.manual_seed(0)
    attention = ChannelAttention(6)
    x = torch.randn(2, 6, 5, 7)
    gate = F.hardsigmoid(F.conv2d(x.mean(dim=(2, 3), keepdim=True), attention.fc.weight, attention.fc.bias))
    assert torch.allclose(attention(x), x * gate, atol=1e-6)
    assert list(attention.state_dict()) == ['fc.weight', 'fc.bias']
    assert attention.fc.weight.shape == (6, 6, 1, 1)


def test_a_saturated_gate_passes_or_blocks_the_channel():
    attention = ChannelAttention(2)
    with torch.no_grad():
        attention.fc.weight.zero_()
        attention.fc.bias.copy_(torch.tensor([10., -10.]))  # hardsigmoid: 1 above 3, 0 below -3
    x = torch.randn(1, 2, 3, 3)
    out = attention(x)
    assert torch.equal(out[:, 0], x[:, 0]) and torch.equal(out[:, 1], torch.zeros_like(x[:, 1]))
