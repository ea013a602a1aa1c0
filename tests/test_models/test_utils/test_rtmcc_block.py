"""RTMCCBlock (RTMPose's gated attention unit), Scale and rope: mmpose's arguments and state-dict
keys, the residual, the relative position bias and the rotary embedding. Values against mmpose
1.3.2 through RTMCCHead: tests/test_models/test_regression_family_mmpose.py."""
import pytest
import torch

from mmpose_face.models.utils import RTMCCBlock, Scale, rope


def test_self_attention_keys_shapes_and_the_residual_scale():
    block = RTMCCBlock(5, 16, 16, s=8, expansion_factor=2, use_rel_bias=True)
    shapes = {key: tuple(value.shape) for key, value in block.state_dict().items()}
    assert shapes == {'w': (9,), 'o.weight': (16, 32), 'uv.weight': (72, 16), 'gamma': (2, 8), 'beta': (2, 8),
                      'ln.g': (1,), 'res_scale.scale': (16,)}
    x = torch.randn(2, 5, 16)
    with torch.no_grad():
        branch = block._forward(x)
        assert torch.allclose(block(x), x + branch)  # res_scale starts at 1
        block.res_scale.scale.fill_(0.0)
        assert torch.allclose(block(x), branch)
    assert not hasattr(RTMCCBlock(5, 16, 8, s=8), 'res_scale')  # widths differ: no shortcut
    assert RTMCCBlock(5, 16, 8, s=8)(x).shape == (2, 5, 8)


def test_the_relative_bias_is_one_learnt_value_per_token_offset():
    block = RTMCCBlock(4, 8, 8, s=4)
    with torch.no_grad():
        block.w.copy_(torch.arange(7.0))
    bias = block.rel_pos_bias(4)[0]
    assert bias.shape == (4, 4)
    for i in range(4):
        for j in range(4):
            assert bias[i, j].item() == j - i + 3  # w[j - i + N - 1]


def test_rope_rotates_channel_pairs_by_position_and_keeps_the_norm():
    x = torch.randn(2, 6, 2, 8)
    rotated = rope(x, dim=1)
    assert torch.allclose(torch.linalg.vector_norm(rotated, dim=-1), torch.linalg.vector_norm(x, dim=-1), atol=1e-5)
    assert torch.equal(rotated[:, 0], x[:, 0])  # position 0: angle 0
    # pair 0 (channels 0 and 4) turns by one radian per position (frequency 10000 ** 0)
    angle = torch.tensor(3.0)
    expected = x[:, 3, :, 0] * torch.cos(angle) - x[:, 3, :, 4] * torch.sin(angle)
    assert torch.allclose(rotated[:, 3, :, 0], expected, atol=1e-6)


def test_cross_attention_takes_queries_keys_and_values():
    block = RTMCCBlock(5, 16, 16, s=8, attn_type='cross-attn', use_rel_bias=False, pos_enc=True)
    assert {'k_fc.weight', 'v_fc.weight'} <= set(block.state_dict())
    x, k, v = torch.randn(2, 5, 16), torch.randn(2, 7, 16), torch.randn(2, 7, 16)
    assert block((x, k, v)).shape == (2, 5, 16)


@pytest.mark.parametrize('kwargs, error', [(dict(act_fn='GELU'), NotImplementedError),
                                           (dict(attn_type='cross-attn'), NotImplementedError),
                                           (dict(attn_type='linear'), ValueError)])
def test_unsupported_settings_are_refused(kwargs, error):
    with pytest.raises(error):
        RTMCCBlock(5, 16, 16, **kwargs)


def test_scale_multiplies_by_a_learnt_vector():
    scale = Scale(3, init_value=2.0)
    assert torch.equal(scale(torch.ones(2, 3)), torch.full((2, 3), 2.0))
    assert not Scale(3, trainable=False).scale.requires_grad
