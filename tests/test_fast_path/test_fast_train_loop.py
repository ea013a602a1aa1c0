"""FastEpochBasedTrainLoop: losses logged every step and read at the interval, a NaN loss stops before
the checkpoint, resuming ends where a straight run ends."""
import os
import os.path as osp

import pytest
import torch

from mmpose_face.errors import NonFiniteLossError

from fast_path_samples import TINY_FAST_CONFIG


def _runner(work_dir, cache_dir, **options):
    from mmpose_face.apis import build_runner, prepare_train_config
    cfg = prepare_train_config(TINY_FAST_CONFIG, str(work_dir), cfg_options={
        'train_dataloader.dataset.cache_dir': str(cache_dir), 'train_cfg.max_epochs': 1,
        'default_hooks.logger.interval': 50, **options})
    return build_runner(cfg)  # our entry point: it runs inside mmpose_face.compat's fixes


def test_losses_are_logged_every_step_but_read_at_the_interval(tmp_path):
    runner = _runner(tmp_path / 'run', tmp_path / 'cache', val_cfg=None, val_dataloader=None,
                     val_evaluator=None, **{'default_hooks.checkpoint.save_best': None})
    runner.train()
    assert len(runner.message_hub.get_scalar('train/loss').data[0]) == 2  # both steps of the epoch
    assert runner.train_loop.sync_interval == 50 and runner.train_loop._pending == []
    assert osp.isfile(osp.join(runner.work_dir, 'epoch_1.pth'))


def test_a_nan_loss_stops_training_before_the_checkpoint(tmp_path):
    runner = _runner(tmp_path / 'run', tmp_path / 'cache', val_cfg=None, val_dataloader=None,
                     val_evaluator=None, **{'default_hooks.checkpoint.save_best': None,
                                            'model.head.loss.loss_weight': float('nan')})
    with pytest.raises(NonFiniteLossError, match=r'iteration 1 \(epoch 1\).*Images of that batch: \[.*\.jpg'):
        runner.train()  # counted from 1, as the reference loop's message
    assert not [name for name in os.listdir(runner.work_dir) if name.endswith('.pth')]


def test_a_resumed_fast_run_ends_where_an_uninterrupted_one_ends(tmp_path, monkeypatch):
    """The augmentation's seeds are the sampler's (seed, rank, epoch, batch number), so
    2 epochs equal 1 epoch + a resumed second one, bit for bit."""
    from mmpose_face.fast_path import FastEpochBasedTrainLoop
    steps = []
    run_iter = FastEpochBasedTrainLoop.run_iter
    monkeypatch.setattr(FastEpochBasedTrainLoop, 'run_iter',
                        lambda self, idx, batch: steps.append(self._iter) or run_iter(self, idx, batch))

    def train(work_dir, epochs, resume=False):
        runner = _runner(tmp_path / work_dir, tmp_path / 'cache', val_cfg=None, val_dataloader=None,
                         val_evaluator=None, **{'default_hooks.checkpoint.save_best': None,
                                                'train_cfg.max_epochs': epochs, 'resume': resume})
        runner.train()
        return runner.model.state_dict()

    straight = train('straight', 2)
    train('resumed', 1)
    del steps[:]
    resumed = train('resumed', 2, resume=True)
    assert steps == [2, 3]  # only the second epoch ran: it resumed
    assert all(torch.equal(straight[key], resumed[key]) for key in straight)
