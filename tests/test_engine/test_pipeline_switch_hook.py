"""mmdet.PipelineSwitchHook: the train data set's pipeline changes at switch_epoch, persistent workers too."""
from types import SimpleNamespace

import torch
from mmengine.logging import MMLogger
from torch.utils.data import DataLoader, Dataset

from mmpose_face.engine.hooks import PipelineSwitchHook
from mmpose_face.registry import HOOKS


class NumberDataset(Dataset):
    """Items ``pipeline(dict(value=i))['value']``."""

    def __init__(self, pipeline):
        self.pipeline = pipeline

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return self.pipeline(dict(value=index))['value']


def add(amount):
    def step(results):
        results['value'] = results['value'] + amount
        return results
    return step


def run_epochs(hook, loader, epochs):
    """What each epoch's loader gives (summed), with the hook before each epoch."""
    runner = SimpleNamespace(train_dataloader=loader, logger=MMLogger.get_instance('pipeline_switch_test'), epoch=0)
    sums = []
    for epoch in range(epochs):
        runner.epoch = epoch
        hook.before_train_epoch(runner)
        sums.append(int(sum(torch.cat(list(loader))).item()))
    return sums


def test_config_name_in_mmdet_scope_builds_it():
    hook = HOOKS.build(dict(type='mmdet.PipelineSwitchHook', switch_epoch=2, switch_pipeline=[]))
    assert isinstance(hook, PipelineSwitchHook) and hook.switch_epoch == 2


def test_switches_at_the_epoch_in_process():
    loader = DataLoader(NumberDataset(add(0)), batch_size=2)
    assert run_epochs(PipelineSwitchHook(2, [add(100)]), loader, 4) == [6, 6, 406, 406]


def test_switches_with_persistent_workers():
    loader = DataLoader(NumberDataset(add(0)), batch_size=2, num_workers=1, persistent_workers=True)
    assert run_epochs(PipelineSwitchHook(1, [add(10)]), loader, 3) == [6, 46, 46]
    assert loader._DataLoader__initialized  # restored after the restart, as mmdet's
