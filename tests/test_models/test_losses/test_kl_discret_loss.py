"""KLDiscretLoss: RTMPose's SimCC loss, mmpose's arguments and reductions. The same values as
mmpose 1.3.2 on the same vectors (1e-6 relative): tests/test_models/test_regression_family_mmpose.py."""
import math

import pytest
import torch

from mmpose_face.registry import MODELS


def vectors(seed=0, faces=2, keypoints=3):
    generator = torch.Generator().manual_seed(seed)
    pred = tuple(torch.randn(faces, keypoints, bins, generator=generator) for bins in (8, 6))
    labels = tuple(torch.rand(faces, keypoints, bins, generator=generator) for bins in (8, 6))
    return pred, labels


def by_hand(pred, labels, weights, beta=1.0, label_softmax=False, label_beta=10.0):
    """sum over faces, points and axes of w * mean_bins(q * (log q - log softmax(beta p))), / K."""
    total = 0.0
    for p, q in zip(pred, labels):
        if label_softmax:
            q = torch.softmax(q * label_beta, dim=-1)
        log_p = torch.log_softmax(p * beta, dim=-1)
        terms = torch.where(q > 0, q * (torch.log(q.clamp(min=1e-30)) - log_p), torch.zeros_like(q))
        total += (terms.mean(-1) * weights).sum().item()
    return total / pred[0].shape[1]


def test_defaults_are_mmpose():
    loss = MODELS.build(dict(type='KLDiscretLoss'))
    assert (loss.beta, loss.label_softmax, loss.label_beta, loss.use_target_weight, loss.mask,
            loss.mask_weight) == (1.0, False, 10.0, True, None, 1.0)


@pytest.mark.parametrize('kwargs', [{}, dict(beta=10.0, label_softmax=True), dict(label_softmax=True, label_beta=3.0)])
def test_the_weighted_kl_divergence_mean_over_bins_summed_and_divided_by_k(kwargs):
    pred, labels = vectors()
    labels[0][0, 0] = 0  # zero labels add nothing (torch's kl_div)
    weights = torch.tensor([[1.0, 0.0, 0.5], [1.0, 1.0, 0.0]])
    value = MODELS.build(dict(type='KLDiscretLoss', **kwargs))(pred, labels, weights)
    assert value.ndim == 0
    assert value.item() == pytest.approx(by_hand(pred, labels, weights, **kwargs), rel=1e-5)


def test_without_target_weight_every_point_counts_and_the_mask_scales_its_points():
    pred, labels = vectors(1)
    weights = torch.tensor([[1.0, 0.0, 0.5], [1.0, 1.0, 0.0]])
    ones = torch.ones(2, 3)
    unweighted = MODELS.build(dict(type='KLDiscretLoss', use_target_weight=False))(pred, labels, weights)
    assert unweighted.item() == pytest.approx(by_hand(pred, labels, ones), rel=1e-5)
    masked = MODELS.build(dict(type='KLDiscretLoss', mask=[1], mask_weight=0.25))(pred, labels, ones)
    assert masked.item() == pytest.approx(by_hand(pred, labels, torch.tensor([[1.0, 0.25, 1.0]] * 2)), rel=1e-5)


def test_a_perfect_prediction_of_a_distribution_costs_nothing_and_gradients_are_finite():
    labels = (torch.softmax(torch.randn(2, 3, 8), -1), torch.softmax(torch.randn(2, 3, 6), -1))
    labels[0][0, 0] = 0
    labels[0][0, 0, 2] = 1.0
    pred = tuple(torch.log(q.clamp(min=1e-12)).requires_grad_() for q in labels)
    value = MODELS.build(dict(type='KLDiscretLoss'))(pred, labels, torch.ones(2, 3))
    assert value.item() == pytest.approx(0.0, abs=1e-5)
    value.backward()
    assert all(math.isfinite(p.grad.abs().sum().item()) for p in pred)
