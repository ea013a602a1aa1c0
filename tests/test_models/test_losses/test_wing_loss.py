"""WingLoss (Feng et al. 2018) against its formula in both branches."""
import pytest

from mmpose_face.models.losses import WingLoss

from loss_formulas import make_pair, sum_over_points_mean_over_batch, wing

# Two faces, three points each: errors below, at and above the breakpoints.
WING_ERRORS = [[[0.0, 1.0], [5.0, -9.99], [10.0, 15.0]],
               [[-0.5, 3.0], [12.0, 0.25], [-20.0, 2.0]]]


def test_wing_loss_matches_formula_in_both_branches():
    output, target = make_pair(WING_ERRORS)
    loss = WingLoss(omega=10, epsilon=2)(output, target)
    assert loss.item() == pytest.approx(sum_over_points_mean_over_batch(wing, WING_ERRORS), rel=1e-9)
