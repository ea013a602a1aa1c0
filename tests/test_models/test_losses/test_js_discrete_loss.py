"""JSDiscretLoss against its formula, empty cells included; a finite gradient where a weight is zero."""
import numpy as np
import pytest
import torch

from mmpose_face.registry import MODELS


def test_js_discrete_loss_equals_the_formula_with_empty_cells():
    rng = np.random.default_rng(1)
    pred = rng.uniform(size=(2, 3, 4, 4))
    pred /= pred.sum((-1, -2), keepdims=True)
    gt = np.zeros_like(pred)
    gt[..., 1:3, 1:3] = rng.uniform(size=(2, 3, 2, 2))
    gt /= gt.sum((-1, -2), keepdims=True)
    weight = np.array([[1., 0., 1.], [1., 1., 0.]])

    def kl(p, q):
        return np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - np.log(q + 1e-24)), 0.)

    w = weight[..., None, None]
    p, g = pred * w, gt * w
    m = 0.5 * (p + g)
    expected = (0.5 * (kl(p, m) + kl(g, m))).sum() / 2
    loss = MODELS.build(dict(type='JSDiscretLoss', use_target_weight=True))
    assert loss(torch.from_numpy(pred), torch.from_numpy(gt), torch.from_numpy(weight)).item() == \
        pytest.approx(expected, rel=1e-9)
    assert loss(torch.from_numpy(gt), torch.from_numpy(gt), torch.from_numpy(weight)).item() == \
        pytest.approx(0, abs=1e-12)


def test_js_discrete_loss_gradient_is_finite_where_a_weight_is_zero():
    """A point outside the crop (weight 0) zeroes its heatmaps; torch's kl_div would
    give NaN gradients there (mmpose 1.3.2 does), which would end the run."""
    pred = torch.softmax(torch.randn(2, 3, 16), -1).reshape(2, 3, 4, 4).requires_grad_()
    gt = torch.softmax(torch.randn(2, 3, 16), -1).reshape(2, 3, 4, 4)
    gt[0, 1] = 0
    loss = MODELS.build(dict(type='JSDiscretLoss', use_target_weight=True))
    loss(pred, gt, torch.tensor([[1., 0., 1.], [1., 1., 1.]])).backward()
    assert torch.isfinite(pred.grad).all() and pred.grad[0, 1].abs().max() == 0
    assert pred.grad[0, 0].abs().max() > 0
