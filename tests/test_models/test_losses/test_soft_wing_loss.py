"""SoftWingLoss (Lin et al. 2021) against its formula in both branches."""
import pytest

from mmpose_face.models.losses import SoftWingLoss

from loss_formulas import make_pair, soft_wing, sum_over_points_mean_over_batch

SOFT_WING_ERRORS = [[[0.0, 0.5], [1.9, -2.0], [3.0, 30.0]],
                    [[-0.1, 2.5], [1.0, 4.0], [-7.0, 1.99]]]


def test_soft_wing_loss_matches_formula_in_both_branches():
    output, target = make_pair(SOFT_WING_ERRORS)
    loss = SoftWingLoss(omega1=2, omega2=20, epsilon=0.5)(output, target)
    assert loss.item() == pytest.approx(
        sum_over_points_mean_over_batch(soft_wing, SOFT_WING_ERRORS), rel=1e-9)
