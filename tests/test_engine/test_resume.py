"""Kill-and-resume: a run SIGKILLed in the middle of an epoch and resumed with
``tools/train.py --resume`` ends exactly where an uninterrupted run ends.

Three ``tools/train.py`` processes on ``tests/configs/td-reg_res18_tiny_wflw-32x32.py``
(ResNet-18, 32x32, 3 epochs of 2 iterations, seed 0, deterministic, a
checkpoint and a validation every epoch, Adam, LR x0.1 from the third epoch):

- A: uninterrupted;
- B: killed by ``KillAtIterationHook`` after the first iteration of epoch 2;
- C: ``--resume`` in B's work dir (from ``epoch_1.pth``).

``StateProbeHook`` (imported by the runs through ``custom_imports``) saves,
at the start of every epoch, the counters, weights, optimizer state, LR
schedule, best-NME record and random states, so the test can show both that
resuming restores each of them and that the final weights and metrics match.
"""
import hashlib
import json
import os
import os.path as osp
import random
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook

from mmpose_face.engine.checkpoint_loading import safe_torch_load
from mmpose_face.registry import HOOKS

from random_state_checks import assert_same

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TINY_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-64x64.py')
SMALL_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-32x32.py')
MODULE_NAME = osp.splitext(osp.basename(__file__))[0]


@HOOKS.register_module(force=True)
class KillAtIterationHook(Hook):
    """SIGKILL the training process right after global iteration ``iteration`` (0-based)."""

    def __init__(self, iteration: int):
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if runner.iter == self.iteration:
            os.kill(os.getpid(), signal.SIGKILL)


def digests(tensors) -> dict:
    """name -> SHA-256 of a tensor's bytes: equal digests mean equal tensors, in a small file."""
    return {name: hashlib.sha256(tensor.detach().cpu().contiguous().numpy().tobytes()).hexdigest()
            for name, tensor in tensors}


@HOOKS.register_module(force=True)
class StateProbeHook(Hook):
    """Write what a resume must restore to ``{out_dir}/{tag}_epoch{E}.pt`` at the
    start of epoch E (0-based), and validation metrics to ``{tag}_metrics{E}.json``."""

    def __init__(self, out_dir: str, tag: str):
        self.out_dir, self.tag = out_dir, tag

    def before_train_epoch(self, runner):
        hub = runner.message_hub
        best_ckpt = hub.get_info('best_ckpt')
        optimizer = runner.optim_wrapper.state_dict()
        snapshot = dict(
            epoch=runner.epoch, iter=runner.iter,
            weights=digests(runner.model.state_dict().items()),
            optimizer_moments=digests((f'{index}.{key}', value) for index, state in optimizer['state'].items()
                                      for key, value in state.items()),
            optimizer_groups=optimizer['param_groups'],
            schedulers=[scheduler.state_dict() for scheduler in runner.param_schedulers],
            lr=[group['lr'] for group in runner.optim_wrapper.optimizer.param_groups],
            best_score=hub.get_info('best_score'),
            best_ckpt=osp.basename(best_ckpt) if best_ckpt else None,
            python_random=random.getstate(),
            numpy_random=np.random.get_state()[1].copy(),
            torch_random=torch.get_rng_state())
        torch.save(snapshot, osp.join(self.out_dir, f'{self.tag}_epoch{runner.epoch}.pt'))

    def after_val_epoch(self, runner, metrics=None):
        with open(osp.join(self.out_dir, f'{self.tag}_metrics{runner.epoch}.json'), 'w') as f:
            json.dump({key: float(value) for key, value in metrics.items()}, f)


def write_config(path: str, probe_dir: str, tag: str, kill_at: int = None) -> str:
    """The 32x32 test config with the probe (and kill) hooks, written to ``path``."""
    from mmengine.config import Config
    cfg = Config.fromfile(SMALL_CONFIG)
    cfg.custom_imports = dict(imports=[MODULE_NAME], allow_failed_imports=False)
    cfg.custom_hooks = list(cfg.custom_hooks) + [dict(type='StateProbeHook', out_dir=probe_dir, tag=tag)]
    if kill_at is not None:
        cfg.custom_hooks.append(dict(type='KillAtIterationHook', iteration=kill_at))
    cfg.dump(path)
    return path


def train_command(config: str, work_dir: str, *extra) -> list:
    return [sys.executable, osp.join(REPO, 'tools', 'train.py'), config, '--work-dir', work_dir, *extra]


def subprocess_env() -> dict:
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [osp.dirname(osp.abspath(__file__)), REPO,
                                                      env.get('PYTHONPATH')]))
    return env


def load_probe(probe_dir, name):
    return torch.load(osp.join(probe_dir, name), weights_only=False)  # written by this test


def read_text(path):
    with open(path) as f:
        return f.read().strip()


def test_killed_mid_epoch_and_resumed_run_ends_like_an_uninterrupted_run(tmp_path):
    probe_dir = str(tmp_path)
    full_dir, killed_dir = str(tmp_path / 'uninterrupted'), str(tmp_path / 'killed')
    env = subprocess_env()

    def start(tag, work_dir, *extra, kill_at=None):
        config = write_config(str(tmp_path / f'{tag}.py'), probe_dir, tag, kill_at)
        return subprocess.Popen(train_command(config, work_dir, *extra), env=env, cwd=REPO, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    full = start('full', full_dir)
    killed = start('killed', killed_dir, kill_at=2)  # iterations 0-1 are epoch 1; 2 is the first of epoch 2
    killed_log, _ = killed.communicate(timeout=400)
    assert killed.returncode == -signal.SIGKILL, killed_log[-3000:]

    # the kill came mid-epoch 2: epoch 1 is saved, epoch 2 is not
    assert osp.isfile(osp.join(killed_dir, 'epoch_1.pth'))
    assert not osp.exists(osp.join(killed_dir, 'epoch_2.pth'))
    assert osp.basename(read_text(osp.join(killed_dir, 'last_checkpoint'))) == 'epoch_1.pth'

    resumed = start('resumed', killed_dir, '--resume')  # while the uninterrupted run goes on
    resumed_log, _ = resumed.communicate(timeout=400)
    full_log, _ = full.communicate(timeout=400)
    assert full.returncode == 0, full_log[-3000:]
    assert resumed.returncode == 0, resumed_log[-3000:]
    assert 'resumed epoch: 1, iter: 2' in resumed_log

    # what the resumed run starts epoch 2 with is what the uninterrupted run had
    expected = load_probe(probe_dir, 'full_epoch1.pt')
    restored = load_probe(probe_dir, 'resumed_epoch1.pt')
    assert (restored['epoch'], restored['iter']) == (1, 2)
    assert len(restored['optimizer_moments']) == 3 * len(restored['optimizer_groups'][0]['params'])
    assert restored['best_score'] is not None and restored['best_ckpt'] == 'best_NME_epoch_1.pth'
    for key in ('epoch', 'iter', 'weights', 'optimizer_moments', 'optimizer_groups', 'schedulers', 'lr',
                'best_score', 'best_ckpt', 'python_random', 'numpy_random', 'torch_random'):
        assert_same(expected[key], restored[key], key)

    # the LR drop of the schedule (milestone 2: from the third epoch on) comes in the resumed run too
    third_epoch_lr = load_probe(probe_dir, 'full_epoch2.pt')['lr']
    assert third_epoch_lr[0] < expected['lr'][0]
    assert_same(third_epoch_lr, load_probe(probe_dir, 'resumed_epoch2.pt')['lr'])

    # same final weights, optimizer state, metrics and best-NME record
    final_full = safe_torch_load(osp.join(full_dir, 'epoch_3.pth'))
    final_resumed = safe_torch_load(osp.join(killed_dir, 'epoch_3.pth'))
    assert_same(final_full['state_dict'], final_resumed['state_dict'], 'state_dict')
    assert_same(final_full['optimizer'], final_resumed['optimizer'], 'optimizer')
    for key in ('best_score', 'best_ckpt'):
        full_value = final_full['message_hub']['runtime_info'][key]
        resumed_value = final_resumed['message_hub']['runtime_info'][key]
        if key == 'best_ckpt':
            full_value, resumed_value = osp.basename(full_value), osp.basename(resumed_value)
        assert full_value == resumed_value, key
    with open(osp.join(probe_dir, 'full_metrics3.json')) as f, \
            open(osp.join(probe_dir, 'resumed_metrics3.json')) as g:
        assert json.load(f) == json.load(g)
    assert sorted(name for name in os.listdir(killed_dir) if name.endswith('.pth')) == \
        sorted(name for name in os.listdir(full_dir) if name.endswith('.pth'))


def test_resume_options_of_the_train_tool():
    """``--resume`` alone resumes from the work dir's ``last_checkpoint``; ``--resume PATH`` from PATH."""
    from mmpose_face.apis import prepare_train_config
    auto = prepare_train_config(TINY_CONFIG, work_dir='/tmp/unused', resume='auto')
    assert auto.resume is True and auto.load_from is None
    explicit = prepare_train_config(TINY_CONFIG, work_dir='/tmp/unused', resume='/ckpts/epoch_7.pth')
    assert explicit.resume is True and explicit.load_from == '/ckpts/epoch_7.pth'
    fresh = prepare_train_config(TINY_CONFIG, work_dir='/tmp/unused')
    assert not fresh.get('resume')


def test_deterministic_mode_gets_a_fixed_cublas_workspace(monkeypatch):
    """Without CUBLAS_WORKSPACE_CONFIG, deterministic mode stops at the first matrix product on a GPU."""
    monkeypatch.setenv('CUBLAS_WORKSPACE_CONFIG', 'recorded, so that undo restores the original')
    monkeypatch.delenv('CUBLAS_WORKSPACE_CONFIG')
    from mmpose_face.apis import prepare_train_config
    prepare_train_config(TINY_CONFIG, work_dir='/tmp/unused', cfg_options={'randomness.deterministic': False})
    assert 'CUBLAS_WORKSPACE_CONFIG' not in os.environ
    prepare_train_config(TINY_CONFIG, work_dir='/tmp/unused')  # randomness=dict(seed=0, deterministic=True)
    assert os.environ['CUBLAS_WORKSPACE_CONFIG'] == ':4096:8'


if __name__ == '__main__':
    sys.exit(pytest.main([__file__, '-q']))
