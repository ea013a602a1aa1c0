"""freeze_batch_norm_statistics: every BatchNorm stops updating its running statistics, nothing else changes mode."""
import torch
from torch import nn

from mmpose_face.models.utils.norm_eval import freeze_batch_norm_statistics


def test_batch_norms_keep_their_statistics_and_other_layers_stay_in_train_mode():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Dropout(0.5), nn.Sequential(nn.BatchNorm1d(2)))
    model.train()
    freeze_batch_norm_statistics(model)
    assert not model[1].training and not model[3][0].training
    assert model.training and model[0].training and model[2].training
    before = model[1].running_mean.clone()
    model[:2](torch.randn(2, 3, 8, 8) + 5)
    torch.testing.assert_close(model[1].running_mean, before)
