"""A checkpoint write that fails or is killed midway never costs the previous
checkpoint, and ``last_checkpoint`` only ever names a complete file.

Failures are injected where they happen on a real machine: ``FullDisk``
makes the process's file writes (``open``/``os.fdopen``) of chosen files
fail with ENOSPC after some bytes, whichever code opens them; the kill test
lets the kernel kill a process in the middle of ``write(2)`` (a file size
limit and SIGXFSZ).
"""
import builtins
import errno
import hashlib
import importlib.util
import io
import os
import os.path as osp
import signal
import subprocess
import sys
import uuid

import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint

from mmpose_face.apis.cli import run_tool
from mmpose_face.engine import atomic_file_backend
from mmpose_face.errors import CheckpointWriteError
from mmpose_face.fileio import write_atomically

ATOMIC = dict(backend='atomic_local')  # what CheckpointHook passes for local folders (it registers it first)
atomic_file_backend.register()
from mmpose_face.engine.checkpoint_loading import safe_torch_load
from mmpose_face.engine.hooks import CheckpointHook

from fake_runner import FakeRunner, checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-32x32.py')


class FullDisk:
    """While installed, writes to files under ``root`` whose name contains
    ``name_part`` (temporary names included) stop with ENOSPC once ``room``
    bytes in all have been written; other files write normally."""

    def __init__(self, monkeypatch, root, name_part: str, room: int = 0):
        self.root, self.name_part, self.room = osp.realpath(str(root)), name_part, room
        real_open = io.open

        def open_on_a_filling_disk(file, mode='r', *args, **kwargs):
            handle = real_open(file, mode, *args, **kwargs)
            return _FillingFile(handle, self) if set(mode) & set('wax+') and self.affects(file) else handle

        monkeypatch.setattr(builtins, 'open', open_on_a_filling_disk)
        monkeypatch.setattr(io, 'open', open_on_a_filling_disk)  # what os.fdopen calls

    def affects(self, file) -> bool:
        path = os.readlink(f'/proc/self/fd/{file}') if isinstance(file, int) else os.fspath(file)
        path = osp.realpath(path)
        return path.startswith(self.root + os.sep) and self.name_part in osp.basename(path)


class _FillingFile:

    def __init__(self, handle, disk):
        self._handle, self._disk = handle, disk

    def write(self, data):
        written = min(len(data), self._disk.room)
        self._handle.write(data[:written])
        self._disk.room -= written
        if written < len(data):
            self._handle.flush()
            raise OSError(errno.ENOSPC, 'No space left on device')
        return written

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._handle.close()


def sha256(path) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_text(path) -> str:
    with open(path) as f:
        return f.read()


def load_tool(name: str):
    spec = importlib.util.spec_from_file_location(f'{name}_tool', osp.join(REPO, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_write_atomically_leaves_the_old_file_when_the_disk_fills(tmp_path, monkeypatch):
    path = str(tmp_path / 'notes.txt')
    write_atomically(b'old and complete', path)
    FullDisk(monkeypatch, tmp_path, 'notes.txt', room=3)
    with pytest.raises(CheckpointWriteError, match=r'notes\.txt: could not be written \(the disk is full\); '
                                                   'its previous version is kept'):
        write_atomically(b'new and longer', path)
    monkeypatch.undo()
    assert read_text(path) == 'old and complete'
    assert os.listdir(tmp_path) == ['notes.txt']  # no temporary file left


def test_mmengine_save_checkpoint_that_fills_the_disk_keeps_the_previous_file(tmp_path, monkeypatch):
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint(checkpoint(1.), path, backend_args=ATOMIC)
    before = sha256(path)
    FullDisk(monkeypatch, tmp_path, 'epoch_1.pth', room=4096)  # fails midway through the new one
    with pytest.raises(CheckpointWriteError, match='epoch_1.pth.*the disk is full'):
        save_checkpoint(checkpoint(2., size=100_000), path, backend_args=ATOMIC)
    monkeypatch.undo()
    assert sha256(path) == before and os.listdir(tmp_path) == ['epoch_1.pth']
    assert torch.equal(safe_torch_load(path)['state_dict']['weight'], torch.full((1000, ), 1.))


def test_a_kill_during_a_checkpoint_write_keeps_the_previous_file(tmp_path):
    path = str(tmp_path / 'epoch_1.pth')
    code = '\n'.join([
        'import resource, signal, sys, torch',
        'from mmpose_face.engine.atomic_file_backend import register',
        'register()',
        'from mmengine.runner.checkpoint import save_checkpoint',
        "save_checkpoint({'state_dict': {'weight': torch.zeros(1000)}}, sys.argv[1], backend_args={'backend': 'atomic_local'})",
        # Python ignores SIGXFSZ; by default the kernel kills a process whose write passes the limit
        'signal.signal(signal.SIGXFSZ, signal.SIG_DFL)',
        'resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))',
        "save_checkpoint({'state_dict': {'weight': torch.ones(1 << 20)}}, sys.argv[1], backend_args={'backend': 'atomic_local'})",  # 4 MiB
        "print('not killed')"])
    done = subprocess.run([sys.executable, '-c', code, path], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=REPO))
    assert done.returncode == -signal.SIGXFSZ, done.stdout + done.stderr
    assert torch.equal(safe_torch_load(path)['state_dict']['weight'], torch.zeros(1000))
    leftovers = [name for name in os.listdir(tmp_path) if name != 'epoch_1.pth']
    assert len(leftovers) == 1 and leftovers[0].endswith('.partial')
    assert os.path.getsize(tmp_path / leftovers[0]) == 1 << 20  # the kill came mid-write

    # the next training run in this folder clears what the killed write left
    hook = CheckpointHook(interval=1)
    hook.before_train(FakeRunner(tmp_path))
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_last_checkpoint_keeps_naming_a_complete_file_when_its_update_fails(tmp_path, monkeypatch):
    runner, hook = FakeRunner(tmp_path), CheckpointHook(interval=1)
    hook.before_train(runner)
    hook.after_train_epoch(runner)  # epoch 1
    assert read_text(tmp_path / 'last_checkpoint') == str(tmp_path / 'epoch_1.pth')
    runner.epoch, runner.iter = 1, 2
    FullDisk(monkeypatch, tmp_path, 'last_checkpoint', room=0)
    with pytest.raises(CheckpointWriteError, match=r'last_checkpoint: could not be written \(the disk is full\).*'
                                                   r'last complete checkpoint is .*epoch_1\.pth'):
        hook.after_train_epoch(runner)  # epoch 2
    monkeypatch.undo()
    assert read_text(tmp_path / 'last_checkpoint') == str(tmp_path / 'epoch_1.pth')
    assert sorted(os.listdir(tmp_path)) == ['epoch_1.pth', 'epoch_2.pth', 'last_checkpoint']


def test_the_previous_best_checkpoint_stays_until_the_new_one_is_written(tmp_path, monkeypatch):
    runner, hook = FakeRunner(tmp_path), CheckpointHook(interval=1, save_best='NME', rule='less')
    hook.before_train(runner)
    for epoch, nme in ((1, 0.5), (2, 0.4)):
        hook.after_train_epoch(runner)
        runner.epoch, runner.iter = epoch, 2 * epoch
        hook.after_val_epoch(runner, {'NME': nme})
    assert osp.isfile(tmp_path / 'best_NME_epoch_2.pth') and not osp.exists(tmp_path / 'best_NME_epoch_1.pth')

    hook.after_train_epoch(runner)
    runner.epoch, runner.iter = 3, 6
    FullDisk(monkeypatch, tmp_path, 'best_NME_epoch_3', room=100)
    with pytest.raises(CheckpointWriteError, match='best_NME_epoch_3.pth.*disk is full'):
        hook.after_val_epoch(runner, {'NME': 0.3})
    monkeypatch.undo()
    assert not osp.exists(tmp_path / 'best_NME_epoch_3.pth')
    assert safe_torch_load(str(tmp_path / 'best_NME_epoch_2.pth'))['meta']['epoch'] == 2


def test_full_disk_during_training_stops_the_run_and_keeps_the_last_checkpoint(tmp_path, monkeypatch, capsys,
                                                                              one_thread):
    """tools/train.py with max_keep_ckpts=1: the disk fills while epoch 2 is saved."""
    work_dir = tmp_path / 'work'
    train_tool = load_tool('train')
    monkeypatch.setattr(sys, 'argv', [
        'train.py', SMALL_CONFIG, '--work-dir', str(work_dir), '--no-validate', '--cfg-options',
        'train_cfg.max_epochs=2', 'default_hooks.checkpoint.max_keep_ckpts=1',
        f'experiment_name=full-disk-{uuid.uuid4().hex}'])
    args = train_tool.parse_args()
    FullDisk(monkeypatch, work_dir, 'epoch_2.pth', room=1 << 20)
    assert run_tool(train_tool.main, args) == 1
    monkeypatch.undo()
    error = capsys.readouterr().err
    assert 'error: ' in error and 'epoch_2.pth: could not be written (the disk is full)' in error
    assert 'last complete checkpoint is ' + str(work_dir / 'epoch_1.pth') in error
    assert read_text(work_dir / 'last_checkpoint') == str(work_dir / 'epoch_1.pth')
    saved = safe_torch_load(str(work_dir / 'epoch_1.pth'))
    assert saved['meta']['epoch'] == 1 and saved['optimizer']['state']
    assert sorted(name for name in os.listdir(work_dir) if 'pth' in name) == ['epoch_1.pth']

