"""L1Loss: the mean absolute error, and mmpose's ``reduction`` argument."""
import pytest
import torch

from mmpose_face.models.losses import L1Loss
from mmpose_face.registry import MODELS

from loss_formulas import SMALL_AND_LARGE_ERRORS, make_pair, mean_over_everything


def test_l1_loss_is_the_mean_absolute_error():
    output, target = make_pair(SMALL_AND_LARGE_ERRORS)
    loss = L1Loss()(output, target)
    assert loss.item() == pytest.approx(mean_over_everything(abs, SMALL_AND_LARGE_ERRORS), rel=1e-9)


def test_l1_loss_reduction_as_mmpose():
    output, target = make_pair(SMALL_AND_LARGE_ERRORS)
    errors = (output - target).abs()
    assert MODELS.build(dict(type='L1Loss', reduction='sum'))(output, target).item() == pytest.approx(
        errors.sum().item())
    assert torch.allclose(L1Loss(reduction='none')(output, target), errors)
    assert L1Loss()(output, target).item() == pytest.approx(errors.mean().item())
    with pytest.raises(AssertionError, match='reduction'):
        L1Loss(reduction='max')
