"""``--resume`` in the cases mmengine gets wrong (the checkpoint hook's own checks:
``test_hooks/test_checkpoint_hook.py``).

- a weights-only file (``best_NME_epoch_2.pth``) is refused with the reason,
  or resumed behind ``--resume-weights-only``;
- a work dir with ``epoch_*.pth`` but no ``last_checkpoint`` resumes the
  newest complete one (a cut-off newer file is passed over);
- resuming a finished run says it is finished;
- a kill during the re-save that records a new best leaves a best file
  that the resumed run removes.
"""
import collections
import os
import os.path as osp
import shutil
import uuid

import pytest

from mmpose_face.engine.hooks import CheckpointHook
from mmpose_face.engine.resume_checkpoint import newest_complete_checkpoint, resume_source
from mmpose_face.errors import CheckpointWriteError

from fake_runner import FakeRunner
from test_checkpoint_loading import SMALL_CONFIG, run_tool_in_process


def train(work_dir, monkeypatch, *argv):
    return run_tool_in_process('train', [
        SMALL_CONFIG, '--work-dir', str(work_dir), *argv,
        '--cfg-options', f'experiment_name=resume-{uuid.uuid4().hex}'], monkeypatch)


def max_epochs(n):
    return ['--cfg-options', f'train_cfg.max_epochs={n}']


@pytest.fixture(scope='module')
def two_epochs(tmp_path_factory):
    """A finished 2-epoch run (checkpoint and validation every epoch)."""
    work_dir = tmp_path_factory.mktemp('two_epochs')
    monkeypatch = pytest.MonkeyPatch()
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        assert train(work_dir, monkeypatch, *max_epochs(2)) == 0
    finally:
        monkeypatch.undo()
        torch.set_num_threads(threads)
    names = sorted(os.listdir(work_dir))
    assert {'epoch_1.pth', 'epoch_2.pth', 'last_checkpoint'} <= set(names)
    return work_dir


def copy_run(two_epochs, tmp_path):
    work_dir = tmp_path / 'work'
    shutil.copytree(two_epochs, work_dir)
    with open(work_dir / 'last_checkpoint', 'w') as f:  # it names files of the original folder
        f.write(str(work_dir / 'epoch_2.pth'))
    return work_dir


def best_file(work_dir):
    return [name for name in os.listdir(work_dir) if name.startswith('best_NME_')][0]


def test_a_weights_only_file_is_refused_for_resume(two_epochs, tmp_path, monkeypatch, capsys, one_thread):
    work_dir = copy_run(two_epochs, tmp_path)
    best = work_dir / best_file(work_dir)
    assert train(work_dir, monkeypatch, '--resume', str(best), *max_epochs(3)) == 1
    error = capsys.readouterr().err
    assert error.startswith(f'error: {best}: holds weights only, no optimizer state (a best_*.pth'), error
    assert '--resume-weights-only' in error
    assert not osp.exists(work_dir / 'epoch_3.pth')

    assert train(work_dir, monkeypatch, '--resume', str(best), '--resume-weights-only', *max_epochs(3)) == 0
    assert osp.isfile(work_dir / 'epoch_3.pth')


def test_resume_without_last_checkpoint_takes_the_newest_complete_one(two_epochs, tmp_path, monkeypatch,
                                                                    one_thread):
    work_dir = copy_run(two_epochs, tmp_path)
    os.remove(work_dir / 'last_checkpoint')
    data = (work_dir / 'epoch_2.pth').read_bytes()
    (work_dir / 'epoch_3.pth').write_bytes(data[:len(data) // 2])  # cut off: not complete
    assert newest_complete_checkpoint(str(work_dir)) == str(work_dir / 'epoch_2.pth')
    assert resume_source(str(work_dir)) == str(work_dir / 'epoch_2.pth')
    before = {name: (work_dir / name).read_bytes() for name in ('epoch_1.pth', 'epoch_2.pth')}

    assert train(work_dir, monkeypatch, '--resume', *max_epochs(3)) == 0
    # epochs 1 and 2 were not trained again (a restart would have rewritten their checkpoints)
    assert all((work_dir / name).read_bytes() == data for name, data in before.items())
    from mmpose_face.engine.checkpoint_loading import safe_torch_load
    assert safe_torch_load(str(work_dir / 'epoch_3.pth'))['meta']['epoch'] == 3


def test_resuming_a_finished_run_says_so(two_epochs, tmp_path, monkeypatch, capsys, one_thread):
    work_dir = copy_run(two_epochs, tmp_path)
    files = sorted(os.listdir(work_dir))
    assert train(work_dir, monkeypatch, '--resume', *max_epochs(2)) == 0
    assert (f'{work_dir / "epoch_2.pth"}: this run is finished (epoch 2 of train_cfg.max_epochs=2); there is '
            'nothing to resume. To train longer, raise train_cfg.max_epochs.') in capsys.readouterr().out
    assert sorted(os.listdir(work_dir)) == files


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs."""


class KilledAtTheBestReSave(FakeRunner):
    """Dies when epoch ``epoch`` is saved the second time (mmengine's re-save that
    records the new best, after the best file was written)."""

    def __init__(self, work_dir, kill_epoch):
        super().__init__(work_dir)
        self.kill_epoch, self.saves = kill_epoch, collections.Counter()

    def save_checkpoint(self, out_dir, filename, *args, **kwargs):
        self.saves[filename] += 1
        if filename == f'epoch_{self.kill_epoch}.pth' and self.saves[filename] == 2:
            raise Killed()
        super().save_checkpoint(out_dir, filename, *args, **kwargs)


def test_a_kill_during_the_best_re_save_leaves_no_orphan_best_file(tmp_path):
    hook, resumed = stopped_at_the_best_re_save(tmp_path)
    assert best_files(tmp_path) == ['best_NME_epoch_1.pth', 'best_NME_epoch_2.pth']
    hook.before_train(resumed)
    hook.after_train_epoch(resumed)
    resumed.epoch, resumed.iter = 3, 6
    hook.after_val_epoch(resumed, {'NME': 0.3})
    assert best_files(tmp_path) == ['best_NME_epoch_3.pth']


def stopped_at_the_best_re_save(tmp_path):
    """Epoch 1 best NME 0.5; epoch 2's best (0.4) written, then the run died re-saving epoch_2.pth.
    Returns the hook of the resumed run (from epoch_2.pth as its first save wrote it) and its runner."""
    runner, hook = KilledAtTheBestReSave(tmp_path, kill_epoch=2), CheckpointHook(interval=1, save_best='NME',
                                                                                 rule='less')
    hook.before_train(runner)
    for epoch, nme in ((1, 0.5), (2, 0.4)):
        hook.after_train_epoch(runner)
        runner.epoch, runner.iter = epoch, 2 * epoch
        try:
            hook.after_val_epoch(runner, {'NME': nme})
        except Killed:
            break
    resumed = FakeRunner(tmp_path)
    resumed.epoch, resumed.iter = 2, 4
    resumed.message_hub.update_info('last_ckpt', str(tmp_path / 'epoch_2.pth'))
    resumed.message_hub.update_info('best_ckpt', str(tmp_path / 'best_NME_epoch_1.pth'))
    resumed.message_hub.update_info('best_score', 0.5)
    return CheckpointHook(interval=1, save_best='NME', rule='less'), resumed


@pytest.fixture
def logged():
    """The messages logged through mmengine's current logger during the test (one string)."""
    import logging

    from mmengine.logging import MMLogger

    class Collect(logging.Handler):
        text = ''

        def emit(self, record):
            Collect.text += record.getMessage() + '\n'

    handler, logger = Collect(), MMLogger.get_current_instance()
    logger.addHandler(handler)
    yield lambda: Collect.text
    logger.removeHandler(handler)


def best_files(folder):
    return sorted(name for name in os.listdir(folder) if name.startswith('best_'))


def test_resume_keeps_the_better_best_file_that_the_record_does_not_name(tmp_path, logged):
    hook, resumed = stopped_at_the_best_re_save(tmp_path)
    hook.before_train(resumed)
    assert best_files(tmp_path) == ['best_NME_epoch_2.pth']
    assert hook.best_ckpt_path == str(tmp_path / 'best_NME_epoch_2.pth')
    assert resumed.message_hub.get_info('best_score') == 0.4
    log = logged()
    assert f'Removed {tmp_path / "best_NME_epoch_1.pth"} (NME 0.5000): ' in log and 'scores better (NME 0.4000)' in log
    assert f'Kept {tmp_path / "best_NME_epoch_2.pth"} (NME 0.4000) as the best checkpoint' in log
    # epoch 3 is better than the old record (0.5) but not than the kept best: no new best file
    hook.after_train_epoch(resumed)
    resumed.epoch, resumed.iter = 3, 6
    hook.after_val_epoch(resumed, {'NME': 0.45})
    assert best_files(tmp_path) == ['best_NME_epoch_2.pth']


def test_resume_removes_a_worse_or_cut_off_unrecorded_best_file(tmp_path):
    hook, resumed = stopped_at_the_best_re_save(tmp_path)
    resumed.message_hub.update_info('best_score', 0.3)   # the record is the better one now
    (tmp_path / 'best_NME_epoch_9.pth').write_bytes(b'PK\x03\x04 cut off')
    hook.before_train(resumed)
    assert best_files(tmp_path) == ['best_NME_epoch_1.pth']
    assert hook.best_ckpt_path == str(tmp_path / 'best_NME_epoch_1.pth')


def test_the_previous_best_is_logged_as_removed_only_once_it_is(tmp_path, monkeypatch, logged):
    """A full disk while the new best is written: the log must not say that the kept best was removed."""
    from test_atomic_checkpoint import FullDisk
    runner, hook = FakeRunner(tmp_path), CheckpointHook(interval=1, save_best='NME', rule='less')
    hook.before_train(runner)
    hook.after_train_epoch(runner)
    runner.epoch, runner.iter = 1, 2
    hook.after_val_epoch(runner, {'NME': 0.5})
    hook.after_train_epoch(runner)
    runner.epoch, runner.iter = 2, 4
    FullDisk(monkeypatch, tmp_path, 'best_NME_epoch_2', room=100)
    with pytest.raises(CheckpointWriteError):
        hook.after_val_epoch(runner, {'NME': 0.4})
    monkeypatch.undo()
    assert best_files(tmp_path) == ['best_NME_epoch_1.pth']
    assert 'The previous best checkpoint' not in logged()
    runner.epoch, runner.iter = 3, 6
    hook.after_val_epoch(runner, {'NME': 0.3})
    assert best_files(tmp_path) == ['best_NME_epoch_3.pth']
    assert f'The previous best checkpoint {tmp_path / "best_NME_epoch_1.pth"} is removed' in logged()


def test_resume_of_a_folder_names_its_newest_checkpoint(two_epochs, tmp_path, monkeypatch, capsys):
    work_dir = copy_run(two_epochs, tmp_path)
    assert train(tmp_path / 'other', monkeypatch, '--resume', str(work_dir)) == 1
    error = capsys.readouterr().err
    assert error.startswith(f'error: {work_dir}: is a folder; --resume takes a checkpoint file: the newest there '
                            f'is {work_dir / "epoch_2.pth"}, pass --resume {work_dir / "epoch_2.pth"}, or no value')


def with_meta(meta, **changes):
    return dict(meta, **changes)


@pytest.mark.parametrize('change, reason', [
    (lambda c: c.update(state_dict=list(c['state_dict'].values())),
     'state_dict is a list, expected a dict of parameter tensors'),
    (lambda c: c.update(meta='epoch 1'), 'meta is a str, expected a dict'),
    (lambda c: c.update(meta=with_meta(c['meta'], epoch=-5)), 'meta.epoch is -5, expected a whole number >= 0'),
    (lambda c: c.update(meta=with_meta(c['meta'], iter=2.5)), 'meta.iter is 2.5, expected a whole number >= 0'),
    (lambda c: c.update(meta=with_meta(c['meta'], seed='abc')), "meta.seed is 'abc', expected an integer"),
    (lambda c: c.update(meta=with_meta(c['meta'], trained_on=['wflw'])),
     'meta.trained_on is a list, expected a dict'),
    (lambda c: c.update(optimizer=[1, 2]), 'optimizer is a list, expected a dict'),
    (lambda c: c.update(optimizer={'state': {}, 'param_groups': 'lr'}),
     'optimizer needs "state" (a dict) and "param_groups" (a list of dicts)'),
    (lambda c: c.update(message_hub=['best_score']), 'message_hub is a list, expected a dict of dicts'),
    (lambda c: c.update(param_schedulers={'milestones': 1}), 'param_schedulers is a dict, expected a list of dicts'),
    (lambda c: c.update(random_state={'python': 3}), 'random_state cannot be restored'),
    (lambda c: c.update(random_state=[1, 2]), 'random_state is a list, expected a dict of generator states'),
])
def test_checkpoint_fields_of_the_wrong_type_are_refused_for_resume(two_epochs, tmp_path, monkeypatch, capsys,
                                                                    change, reason):
    import torch

    from mmpose_face import compat
    checkpoint = torch.load(two_epochs / 'epoch_1.pth', weights_only=False)
    change(checkpoint)
    path = tmp_path / 'changed.pth'
    with compat.mmengine_fixes():  # saved as our tools save (HistoryBuffer without getattr)
        torch.save(checkpoint, path)
    assert train(tmp_path / 'work', monkeypatch, '--resume', str(path), *max_epochs(2)) == 1
    error = capsys.readouterr().err
    error = error[error.find('error: '):]  # after the progress bars' clearing
    assert error.startswith(f'error: {path}: cannot be resumed: {reason}'), error
    assert 'Traceback' not in error and not (tmp_path / 'work' / 'epoch_2.pth').exists()
