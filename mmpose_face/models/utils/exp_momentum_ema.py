"""YOLOX's weight averaging: an EMA whose momentum starts high and decays to ``momentum``.

mmpose's RTMPose configs use it through mmengine's ``EMAHook``
(``ema_type='ExpMomentumEMA', momentum=0.0002, update_buffers=True,
priority=49``); the hook builds it from the model registry, so it is
registered there under mmpose's name.
"""
import math
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import ExponentialMovingAverage

from mmpose_face.registry import MODELS


@MODELS.register_module()
class ExpMomentumEMA(ExponentialMovingAverage):
    """Averaged copy of ``model``: ``averaged = (1 - m) * averaged + m * source`` after each update,
    with ``m = (1 - momentum) * exp(-(1 + steps) / gamma) + momentum``.

    ``steps`` counts the updates before this one (mmengine's ``BaseAveragedModel``),
    so the first updates copy the model almost entirely and ``m`` falls to
    ``momentum`` over a few ``gamma`` updates.

    Args (mmpose's, same defaults):
        model: the module to average.
        momentum: the momentum ``m`` tends to.
        gamma: the decay length of the extra momentum, in updates (> 0).
        interval: update every ``interval`` training iterations.
        device: where the averaged copy lives (None: the model's device).
        update_buffers: average the buffers (BN statistics) too, not only parameters.
    """

    def __init__(self, model: nn.Module, momentum: float = 0.0002, gamma: int = 2000, interval=1,
                 device: Optional[torch.device] = None, update_buffers: bool = False) -> None:
        super().__init__(model=model, momentum=momentum, interval=interval, device=device,
                         update_buffers=update_buffers)
        assert gamma > 0, f'gamma must be greater than 0, but got {gamma}'
        self.gamma = gamma

    def avg_func(self, averaged_param: torch.Tensor, source_param: torch.Tensor, steps: int) -> None:
        """Move ``averaged_param`` towards ``source_param`` in place (``steps``: updates so far)."""
        momentum = (1 - self.momentum) * math.exp(-float(1 + steps) / self.gamma) + self.momentum
        averaged_param.mul_(1 - momentum).add_(source_param, alpha=momentum)
