"""KeypointMSELoss: masked by the keypoint weights and by empty target channels."""
import pytest
import torch

from mmpose_face.registry import MODELS


def test_keypoint_mse_loss_masks_by_weights_and_empty_channels():
    output, target = torch.rand(2, 3, 4, 4, dtype=torch.float64), torch.rand(2, 3, 4, 4, dtype=torch.float64)
    target[0, 1] = 0
    weights = torch.tensor([[1., 1., 0.], [0., 1., 1.]], dtype=torch.float64)
    mask = weights[..., None, None] * (target != 0).flatten(2).any(2)[..., None, None]
    expected = (((output - target) ** 2) * mask).mean() * 0.5
    loss = MODELS.build(dict(type='KeypointMSELoss', use_target_weight=True, skip_empty_channel=True,
                             loss_weight=0.5))
    assert loss(output, target, weights).item() == pytest.approx(expected.item(), rel=1e-12)
    with pytest.raises(ValueError, match='target_weights'):
        loss(output, target, weights[:, :2])
