"""MSELoss: the mean squared error over every coordinate of every point."""
import pytest

from mmpose_face.models.losses import MSELoss

from loss_formulas import SMALL_AND_LARGE_ERRORS, make_pair, mean_over_everything


def test_mse_loss_is_the_mean_squared_error():
    output, target = make_pair(SMALL_AND_LARGE_ERRORS)
    loss = MSELoss()(output, target)
    assert loss.item() == pytest.approx(mean_over_everything(lambda d: d * d, SMALL_AND_LARGE_ERRORS), rel=1e-9)
