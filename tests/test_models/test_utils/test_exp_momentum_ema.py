"""ExpMomentumEMA: YOLOX's momentum schedule, built by mmengine's EMAHook from an RTMPose config entry.

The side-by-side check with mmpose 1.3.2 on a parameter sequence is in
tests/test_datasets/test_recipe_parts_match_mmpose.py (``ema``).
"""
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import EMAHook
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from mmpose_face.models.utils import ExpMomentumEMA


def test_each_update_follows_the_exponential_momentum_formula():
    model = torch.nn.Linear(2, 1)
    ema = ExpMomentumEMA(model, momentum=0.01, gamma=4)
    for step in range(6):
        with torch.no_grad():
            model.weight.add_(1.)
        ema.update_parameters(model)
        if step == 0:  # mmengine's averaged model copies the weights at its first update
            expected = model.weight.detach().clone()
            continue
        momentum = (1 - 0.01) * math.exp(-(1 + step) / 4) + 0.01
        expected = (1 - momentum) * expected + momentum * model.weight.detach()
        torch.testing.assert_close(ema.module.weight, expected, rtol=0, atol=1e-6)
    assert momentum < 0.25  # the extra momentum has decayed towards 0.01


def test_gamma_must_be_positive():
    with pytest.raises(AssertionError, match='gamma must be greater than 0'):
        ExpMomentumEMA(torch.nn.Linear(1, 1), gamma=0)


def test_ema_hook_builds_it_from_rtmpose_config_entry():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    runner = SimpleNamespace(model=model, _hooks=[])
    with DefaultScope.overwrite_default_scope('mmpose_face'):
        # the runner's own registration: the config's priority, then the hook from the registry
        Runner.register_hook(runner, dict(type='EMAHook', ema_type='ExpMomentumEMA', momentum=0.0002,
                                          update_buffers=True, priority=49))
        hook, = runner._hooks
        hook.before_run(runner)
    assert type(hook) is EMAHook and hook.priority == 49
    assert type(hook.ema_model) is ExpMomentumEMA
    assert hook.ema_model.momentum == 0.0002 and hook.ema_model.gamma == 2000 and hook.ema_model.update_buffers
