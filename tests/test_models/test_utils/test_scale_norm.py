"""ScaleNorm: a vector over its norm / sqrt(dim), times a learnt gain (mmpose's, key ``g``)."""
import pytest
import torch

from mmpose_face.models.utils import ScaleNorm


def test_scale_norm_gives_vectors_of_norm_sqrt_dim_times_g():
    norm = ScaleNorm(16)
    assert list(norm.state_dict()) == ['g'] and norm.g.item() == 1.0
    x = torch.randn(3, 5, 16) * 7
    y = norm(x)
    assert torch.allclose(torch.linalg.vector_norm(y, dim=-1), torch.full((3, 5), 4.0))
    with torch.no_grad():
        norm.g.fill_(0.5)
    assert torch.allclose(norm(x), 0.5 * y)


def test_a_zero_vector_is_divided_by_eps_not_by_zero():
    assert torch.equal(ScaleNorm(4, eps=1e-5)(torch.zeros(1, 4)), torch.zeros(1, 4))
    assert ScaleNorm(4, eps=0.1)(torch.full((1, 4), 0.01))[0, 0].item() == pytest.approx(0.1)
