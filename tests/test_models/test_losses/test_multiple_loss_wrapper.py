"""MultipleLossWrapper: each loss applied to its own (output, target) pair, in order."""
import pytest
import torch

from mmpose_face.registry import MODELS


def test_multiple_loss_wrapper_applies_each_loss_to_its_pair_in_order():
    wrapper = MODELS.build(dict(type='MultipleLossWrapper', losses=[
        dict(type='SmoothL1Loss', use_target_weight=True), dict(type='MSELoss')]))
    a, b = torch.rand(2, 5, 2), torch.rand(2, 5, 2)
    weights = torch.ones(2, 5)
    first, second = wrapper([a, a], [b, b * 2], weights)
    assert first.item() == pytest.approx(torch.nn.functional.smooth_l1_loss(a, b).item())
    assert second.item() == pytest.approx(((a - 2 * b) ** 2).mean().item())
    with pytest.raises(ValueError, match='2 losses'):
        wrapper([a], [b], weights)
