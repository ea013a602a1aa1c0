"""What every coordinate loss inherits from KeypointLossBase: keypoint weights (per point or per
coordinate), the wing losses' sum over points against the others' mean, ``loss_weight``, continuity
at the breakpoints and finite gradients.
"""
import math

import pytest
import torch

from mmpose_face.models.losses import L1Loss, MSELoss, SmoothL1Loss, SoftWingLoss, WingLoss
from mmpose_face.registry import MODELS

from loss_formulas import SMALL_AND_LARGE_ERRORS, make_pair, soft_wing, wing

ALL_LOSSES = (L1Loss, SmoothL1Loss, MSELoss, WingLoss, SoftWingLoss)


def test_published_defaults_built_from_config():
    wing_loss = MODELS.build(dict(type='WingLoss', use_target_weight=True))
    assert (wing_loss.omega, wing_loss.epsilon) == (10.0, 2.0)
    assert wing_loss.C == pytest.approx(10 - 10 * math.log(6))
    soft = MODELS.build(dict(type='SoftWingLoss', use_target_weight=True))
    assert (soft.omega1, soft.omega2, soft.epsilon) == (2.0, 20.0, 0.5)
    assert soft.B == pytest.approx(2 - 20 * math.log(5))


@pytest.mark.parametrize('loss, breakpoint', [(WingLoss(), 10.0), (SoftWingLoss(), 2.0)])
def test_piecewise_losses_are_continuous_at_the_breakpoint(loss, breakpoint):
    zero = torch.zeros(1, 1, 2, dtype=torch.float64)
    below = loss(torch.tensor([[[breakpoint - 1e-7, 0.0]]], dtype=torch.float64), zero)
    above = loss(torch.tensor([[[breakpoint + 1e-7, 0.0]]], dtype=torch.float64), zero)
    assert abs((above - below).item()) < 1e-5
    # and the value at the breakpoint is that of the log branch (an absolute check)
    expected = wing(breakpoint) if isinstance(loss, WingLoss) else soft_wing(breakpoint)
    assert below.item() == pytest.approx(expected, abs=1e-5)


def test_wing_losses_sum_over_points_while_the_others_average():
    """Repeating every point doubles the summed losses and leaves the averaged ones."""
    output, target = make_pair(SMALL_AND_LARGE_ERRORS)
    doubled_output, doubled_target = torch.cat([output, output], 1), torch.cat([target, target], 1)
    for loss in (WingLoss(), SoftWingLoss()):
        assert loss(doubled_output, doubled_target).item() == pytest.approx(2 * loss(output, target).item())
    for loss in (L1Loss(), MSELoss(), SmoothL1Loss()):
        assert loss(doubled_output, doubled_target).item() == pytest.approx(loss(output, target).item())
    # ... and all of them average over the batch: a repeated batch gives the same loss
    for loss_class in ALL_LOSSES:
        loss = loss_class()
        assert loss(torch.cat([output, output]), torch.cat([target, target])).item() == \
            pytest.approx(loss(output, target).item())


@pytest.mark.parametrize('loss_class', ALL_LOSSES)
def test_zero_weight_point_contributes_nothing(loss_class):
    output, target = make_pair(SMALL_AND_LARGE_ERRORS)
    weights = torch.ones(2, 3, dtype=torch.float64)
    weights[1, 2] = 0.  # a point that left the crop
    loss = loss_class(use_target_weight=True)
    wild = output.clone()
    wild[1, 2] = torch.tensor([1e3, -1e3])  # its prediction does not matter
    perfect = output.clone()
    perfect[1, 2] = target[1, 2]
    assert loss(wild, target, weights).item() == pytest.approx(loss(perfect, target, weights).item())
    assert loss(perfect, target, weights).item() == pytest.approx(loss_class()(perfect, target).item())
    # (B, K, 1) weights, as some heads pass them, mean the same
    assert loss(wild, target, weights[..., None]).item() == pytest.approx(loss(wild, target, weights).item())
    # without use_target_weight the point counts
    assert loss_class()(wild, target).item() > loss(wild, target, weights).item() + 1.0


def test_use_target_weight_needs_weights():
    output, target = make_pair(SMALL_AND_LARGE_ERRORS)
    with pytest.raises(ValueError, match='target_weight'):
        L1Loss(use_target_weight=True)(output, target)
    with pytest.raises(AssertionError):  # what mmpose raises
        WingLoss(use_target_weight=True)(output, target)


@pytest.mark.parametrize('loss_class', ALL_LOSSES)
def test_per_coordinate_weights_N_K_D_weigh_x_and_y_apart(loss_class):
    """mmpose's losses take (N, K, D) weights next to (N, K): x and y separately."""
    output, target = make_pair(SMALL_AND_LARGE_ERRORS)
    loss = loss_class(use_target_weight=True)
    weights = torch.ones(2, 3, 2, dtype=torch.float64)
    weights[0, 1, 0] = 0.  # the x of one point does not count
    wild = output.clone()
    wild[0, 1, 0] = 1e3
    tame = output.clone()
    tame[0, 1, 0] = target[0, 1, 0]
    assert loss(wild, target, weights).item() == pytest.approx(loss(tame, target, weights).item())
    wild_y = output.clone()
    wild_y[0, 1, 1] = 1e3  # its y still counts
    assert loss(wild_y, target, weights).item() > loss(tame, target, weights).item() + 1.0
    # all-ones (N, K, D) weights mean the same as all-ones (N, K)
    assert loss(output, target, torch.ones_like(output)).item() == pytest.approx(
        loss(output, target, torch.ones(2, 3, dtype=torch.float64)).item())


@pytest.mark.parametrize('loss_class', ALL_LOSSES)
def test_loss_weight_scales_the_loss(loss_class):
    output, target = make_pair(SMALL_AND_LARGE_ERRORS)
    plain = loss_class()(output, target).item()
    assert plain > 0
    assert loss_class(loss_weight=2.5)(output, target).item() == pytest.approx(2.5 * plain)


@pytest.mark.parametrize('loss_class', ALL_LOSSES)
def test_gradients_are_finite_even_at_zero_error_and_breakpoints(loss_class):
    target = torch.zeros(1, 4, 2)
    output = torch.tensor([[[0.0, 0.0], [2.0, -2.0], [10.0, 1e-8], [0.3, 50.0]]], requires_grad=True)
    weights = torch.tensor([[1.0, 1.0, 0.0, 1.0]])
    loss = loss_class(use_target_weight=True)(output, target, weights)
    loss.backward()
    assert torch.isfinite(loss)
    assert torch.isfinite(output.grad).all()
    assert (output.grad[0, 2] == 0).all()  # a masked point gets no gradient
    assert output.grad[0, 3].abs().sum() > 0
