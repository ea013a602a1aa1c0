"""A stand-in for what CheckpointHook uses of a runner, with small checkpoints, for the checkpoint tests."""
import os.path as osp
import uuid

import torch
from mmengine.logging import MessageHub, MMLogger
from mmengine.runner.checkpoint import save_checkpoint


def checkpoint(value: float, size: int = 1000) -> dict:
    return {'state_dict': {'weight': torch.full((size, ), value)}}


class FakeRunner:
    """What CheckpointHook uses of a runner; ``save_checkpoint`` goes through mmengine's
    own function (and so through the ``local`` file backend)."""

    def __init__(self, work_dir):
        self.work_dir, self.epoch, self.iter, self.max_epochs = str(work_dir), 0, 0, 10
        self.logger = MMLogger.get_current_instance()
        self.message_hub = MessageHub.get_instance(f'fake-runner-{uuid.uuid4().hex}')

    def save_checkpoint(self, out_dir, filename, *args, meta=None, backend_args=None, **kwargs):
        save_checkpoint({**checkpoint(float(self.epoch)), 'meta': meta, 'message_hub': self.message_hub.state_dict()},
                        osp.join(out_dir, filename), backend_args=backend_args)
