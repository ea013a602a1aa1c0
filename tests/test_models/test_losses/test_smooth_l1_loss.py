"""SmoothL1Loss: quadratic below an error of 1, linear above, averaged over every coordinate."""
import pytest

from mmpose_face.models.losses import SmoothL1Loss

from loss_formulas import SMALL_AND_LARGE_ERRORS, make_pair, mean_over_everything, smooth_l1


def test_smooth_l1_loss_matches_formula_in_both_branches():
    output, target = make_pair(SMALL_AND_LARGE_ERRORS)
    loss = SmoothL1Loss()(output, target)
    assert loss.item() == pytest.approx(mean_over_everything(smooth_l1, SMALL_AND_LARGE_ERRORS), rel=1e-9)
