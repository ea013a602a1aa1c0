"""RLELoss against its formula written out here (with an identity flow), and the sigma it prefers."""
import math

import numpy as np
import pytest
import torch

from mmpose_face.registry import MODELS


# --------------------------------------------------------------------------- losses
def identity_flow(loss):
    """Zero couplings: z = x, log|det| = 0, so phi is the standard 2-D normal."""
    with torch.no_grad():
        for parameter in loss.flow_model.parameters():
            parameter.zero_()
    return loss


@pytest.mark.parametrize('q_distribution, residual, size_average',
                         [('laplace', True, True), ('gaussian', True, False), ('laplace', False, True)])
def test_rle_loss_equals_the_formula(q_distribution, residual, size_average):
    loss = identity_flow(MODELS.build(dict(type='RLELoss', use_target_weight=True, residual=residual,
                                           q_distribution=q_distribution, size_average=size_average))).double()
    rng = np.random.default_rng(0)
    pred, raw_sigma, target = (rng.normal(size=(3, 4, 2)) for _ in range(3))
    weight = rng.integers(0, 2, size=(3, 4, 1)).astype(np.float64)
    sigma = 1 / (1 + np.exp(-raw_sigma))
    error = (pred - target) / (sigma + 1e-9)
    log_phi = -0.5 * (error ** 2).sum(-1, keepdims=True) - math.log(2 * math.pi)  # both axes at once
    expected = np.log(sigma) - log_phi
    if residual:
        expected += (np.log(2 * sigma) + np.abs(error) if q_distribution == 'laplace'
                     else np.log(math.sqrt(2 * math.pi) * sigma) + 0.5 * error ** 2)
    expected = (expected * weight).sum() / (3 if size_average else 1)
    value = loss(*(torch.from_numpy(a) for a in (pred, raw_sigma, target, weight)))
    assert value.item() == pytest.approx(expected, rel=1e-9)


def test_rle_loss_rejects_an_unknown_q_distribution():
    with pytest.raises(ValueError, match='q_distribution'):
        MODELS.build(dict(type='RLELoss', q_distribution='cauchy'))


def test_rle_loss_prefers_the_sigma_that_fits_the_error():
    loss = MODELS.build(dict(type='RLELoss'))
    pred, target = torch.zeros(64, 1, 2), torch.randn(64, 1, 2) * 0.05
    values = {s: loss(pred, torch.full_like(pred, math.log(s / (1 - s))), target).item()
              for s in (0.005, 0.05, 0.5)}
    assert values[0.05] < values[0.005] and values[0.05] < values[0.5]
