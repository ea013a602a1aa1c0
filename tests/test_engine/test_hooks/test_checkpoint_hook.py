"""CheckpointHook's two holes mmengine leaves: a new run keeps best files it did not write, and a
checkpoint write checks the free space against twice the file before writing a byte."""
import os.path as osp
import shutil

import pytest

from mmpose_face.engine.hooks import CheckpointHook
from mmpose_face.errors import CheckpointWriteError

from test_engine.fake_runner import FakeRunner


def test_a_new_run_keeps_best_files_it_did_not_write(tmp_path):
    (tmp_path / 'best_NME_epoch_7.pth').write_bytes(b'an older run')
    hook = CheckpointHook(interval=1, save_best='NME', rule='less')
    hook.before_train(FakeRunner(tmp_path))  # not resumed: no last_ckpt in the message hub
    assert osp.isfile(tmp_path / 'best_NME_epoch_7.pth')


def test_a_checkpoint_write_checks_free_space_first(tmp_path, monkeypatch):
    runner, hook = FakeRunner(tmp_path), CheckpointHook(interval=1)
    hook.before_train(runner)
    hook.after_train_epoch(runner)  # epoch 1: about 4 KB
    size = osp.getsize(tmp_path / 'epoch_1.pth')
    runner.epoch, runner.iter = 1, 2
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, 'disk_usage', lambda path: usage._replace(free=size))  # room for one copy
    with pytest.raises(CheckpointWriteError) as error:
        hook.after_train_epoch(runner)
    message = str(error.value)
    assert f'{tmp_path / "epoch_2.pth"}: not enough free space: writing it all-or-nothing needs twice' in message
    assert f'{size} bytes are free, {size} bytes missing; nothing was written' in message and 'last complete checkpoint is' in message
    assert not osp.exists(tmp_path / 'epoch_2.pth')
    monkeypatch.undo()
    hook.after_train_epoch(runner)
    assert osp.isfile(tmp_path / 'epoch_2.pth')
