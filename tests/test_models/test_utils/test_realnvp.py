"""RealNVP, RLE's flow: the change-of-variables log-density, a density that integrates to one, mmpose's
state-dict keys."""
import math

import torch

from mmpose_face.models.utils import RealNVP

from test_models.regression_family_parts import mmpose_face_scope, randomise  # noqa: F401 (an autouse fixture)


# --------------------------------------------------------------------------- RealNVP
def test_realnvp_log_prob_is_the_change_of_variables_formula():
    flow = randomise(RealNVP(), std=0.4)
    x = torch.randn(5, 2, dtype=torch.float64)
    flow = flow.double()
    for i in range(5):
        z, _ = flow.to_latent(x[i:i + 1])
        jacobian = torch.autograd.functional.jacobian(lambda p: flow.to_latent(p.reshape(1, 2))[0][0], x[i])
        expected = -0.5 * (z ** 2).sum() - math.log(2 * math.pi) + torch.log(torch.det(jacobian).abs())
        assert torch.allclose(flow.log_prob(x[i:i + 1])[0], expected, atol=1e-9)


def test_realnvp_density_integrates_to_one_and_is_not_the_prior():
    flow = randomise(RealNVP(), std=0.1).double()
    axis = torch.linspace(-7, 7, 141, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(axis, axis, indexing='xy'), dim=-1).reshape(-1, 2)
    with torch.no_grad():
        density = flow.log_prob(grid).exp()
    cell = float(axis[1] - axis[0]) ** 2
    assert abs(float(density.sum()) * cell - 1.0) < 2e-3
    prior = torch.distributions.MultivariateNormal(torch.zeros(2, dtype=torch.float64),
                                                   torch.eye(2, dtype=torch.float64))
    assert float((density - prior.log_prob(grid).exp()).abs().max()) > 1e-3


def test_realnvp_state_dict_keys_are_mmposes():
    keys = set(RealNVP().state_dict())
    assert {'loc', 'cov', 'mask'} <= keys
    assert keys == {f'{net}.{i}.{j}.{p}' for net in 'st' for i in range(6) for j in (0, 2, 4)
                    for p in ('weight', 'bias')} | {'loc', 'cov', 'mask'}
