"""Bad input to tools/train.py and tools/test.py ends in one ``error:`` line naming
the file or option and the reason, and no traceback; a bug keeps its traceback.

The tools run in this process (their own parse_args, main and run_tool), on
the 32x32 test config; each case fails before the first training step.
"""
import argparse
import os
import os.path as osp
import re
import sys
import uuid

import pytest
from mmengine.registry import Registry

from mmpose_face.apis.cli import run_tool
from mmpose_face.errors import UserInputKeyError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tests', 'test_engine'))
from test_atomic_checkpoint import FullDisk  # noqa: E402
from test_checkpoint_loading import SMALL_CONFIG, load_tool, run_tool_in_process  # noqa: E402


def train(argv, monkeypatch, tmp_path):
    work = ['--work-dir', str(tmp_path / 'work'), '--cfg-options', f'experiment_name=errors-{uuid.uuid4().hex}']
    return run_tool_in_process('train', [*argv, *work], monkeypatch)


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert 'Traceback' not in err and '--- Logging error ---' not in err, err[-3000:]
    # a progress bar that closes as the error comes may leave its cursor-up and carriage
    # return on the error's line: what a terminal shows is the text after them
    shown = [re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', line).split('\r')[-1] for line in err.splitlines()]
    lines = [line for line in shown if line.startswith('error: ')]
    assert len(lines) == 1, err[-3000:]
    return lines[0]


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_a_config_with_a_syntax_error(tmp_path, monkeypatch, capsys, tool):
    config = tmp_path / 'broken.py'
    config.write_text("_base_ = ['x.py']\nmodel = dict(type='TopdownPoseEstimator'\n")
    argv = [str(config), 'some.pth'] if tool == 'test' else [str(config)]
    if tool == 'test':
        assert run_tool_in_process(tool, [*argv, '--work-dir', str(tmp_path / 'w')], monkeypatch) == 1
    else:
        assert train(argv, monkeypatch, tmp_path) == 1
    line = one_error_line(capsys)
    assert line.startswith(f'error: {config}:2: the config has a syntax error: '), line


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_cfg_options_without_equals(monkeypatch, capsys, tool):
    extra = ['x.pth'] if tool == 'test' else []
    monkeypatch.setattr(sys, 'argv', [f'{tool}.py', SMALL_CONFIG, *extra, '--cfg-options', 'max_epochs'])
    with pytest.raises(SystemExit) as exit_:
        load_tool(tool).parse_args()
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert 'Traceback' not in err
    line = [line for line in err.splitlines() if ': error: ' in line] == [err.strip().splitlines()[-1]] and \
        err.strip().splitlines()[-1]
    assert line.startswith(f'{tool}.py: error: ') and "argument --cfg-options: 'max_epochs' has no \"=\": write KEY=VALUE" in line, line


def test_a_full_disk_at_start(tmp_path, monkeypatch, capsys):
    work = tmp_path / 'work'
    work.mkdir()
    FullDisk(monkeypatch, work, '', room=0)  # every file written under the work dir
    assert run_tool_in_process('train', [SMALL_CONFIG, '--work-dir', str(work)], monkeypatch) == 1
    monkeypatch.undo()
    line = one_error_line(capsys)
    assert line.startswith(f'error: {work}: cannot write in the work dir (the disk is full; '), line
    assert 'MiB free). Free space or pass another --work-dir.' in line


def test_a_learning_rate_beyond_float32(tmp_path, monkeypatch, capsys, one_thread):
    assert train([SMALL_CONFIG, '--cfg-options', 'optim_wrapper.optimizer.lr=1e40'], monkeypatch, tmp_path) == 1
    line = one_error_line(capsys)
    assert line.startswith(f'error: {SMALL_CONFIG}: optim_wrapper.optimizer.lr=1e+40 cannot be used: the '
                           'parameters are float32'), line


def test_tensorboard_requested_without_the_package(tmp_path, monkeypatch, capsys, one_thread):
    config = tmp_path / 'with_tensorboard.py'
    config.write_text(f"_base_ = [{SMALL_CONFIG!r}]\n"
                      "visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), "
                      "dict(type='TensorboardVisBackend')])\n")
    for name in [name for name in sys.modules if name == 'tensorboard' or name.startswith('tensorboard.')]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, 'tensorboard', None)  # as if not installed
    monkeypatch.setitem(sys.modules, 'torch.utils.tensorboard', None)
    assert train([str(config), '--cfg-options', 'train_cfg.max_epochs=1'], monkeypatch, tmp_path) == 1
    line = one_error_line(capsys)
    assert line.startswith(f'error: {config}: visualizer.vis_backends asks for TensorboardVisBackend, but the '
                           'tensorboard package is not installed: pip install tensorboard'), line


# --------------------------------------------------------------------------- bugs keep their traceback
@pytest.mark.parametrize('bug', [KeyError('state_dict'), TypeError("'NoneType' object is not subscriptable"),
                                 RuntimeError('mat1 and mat2 shapes cannot be multiplied')],
                         ids=['KeyError', 'TypeError', 'RuntimeError'])
def test_a_bug_keeps_its_traceback(bug, capsys):
    def main():
        raise bug

    with pytest.raises(type(bug)):
        run_tool(main)
    assert 'error:' not in capsys.readouterr().err


@pytest.mark.parametrize('make_error', [
    lambda: UserInputKeyError('cfg.py: --auto-scale-lr needs auto_scale_lr.base_batch_size in the config'),
    lambda: FileNotFoundError('missing.pth: checkpoint file not found'),
    lambda: ValueError('batch_size must be >= 1, got 0'),
    lambda: Registry('model').build(dict(type='NoSuchModel')),
], ids=['ours', 'FileNotFoundError', 'ValueError', 'mmengine-registry'])
def test_a_user_error_is_one_line(make_error, capsys):
    try:
        error = make_error()
    except KeyError as registry_error:  # mmengine's "X is not in the ... registry"
        error = registry_error
    capsys.readouterr()  # what mmengine logged while building

    def main_raising():
        raise error

    assert run_tool(main_raising) == 1
    line = one_error_line(capsys)
    assert line.startswith('error: ') and "'" != line[len('error: ')], line


def test_cli_arguments_are_unchanged_for_the_parser():
    """The action still builds mmengine's dict (``key=value`` pairs, typed values)."""
    from mmpose_face.apis.cli import CfgOptionsAction
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=CfgOptionsAction)
    options = parser.parse_args(['--cfg-options', 'train_cfg.max_epochs=3', 'a.b=[1,2]']).cfg_options
    assert options == {'train_cfg.max_epochs': 3, 'a.b': [1, 2]}


def test_a_work_dir_that_is_a_file(tmp_path, monkeypatch, capsys):
    (tmp_path / 'work').write_text('a file')
    assert train([SMALL_CONFIG], monkeypatch, tmp_path) == 1
    line = one_error_line(capsys)
    assert line == (f'error: {tmp_path / "work"}: cannot be used as the work dir: the work dir is a file, not a '
                    'folder. Pass another --work-dir, or move the file away.'), line


def test_a_second_training_in_one_work_dir_is_refused_and_leaves_the_first_s_files(tmp_path, monkeypatch, capsys):
    from mmpose_face.engine.work_dir_lock import work_dir_lock
    work = tmp_path / 'work'
    work.mkdir()
    in_progress = work / '.epoch_3.pth.abcd.partial'   # the first run is writing a checkpoint
    in_progress.write_bytes(b'half a checkpoint')
    with work_dir_lock(str(work)):
        assert train([SMALL_CONFIG], monkeypatch, tmp_path) == 1
    line = one_error_line(capsys)
    assert line.startswith(f'error: {work}: another training run is using this work dir: pid {os.getpid()} on '
                           'host '), line
    assert in_progress.read_bytes() == b'half a checkpoint'


def test_ctrl_c_while_a_checkpoint_is_written(tmp_path, monkeypatch, capsys, one_thread):
    """No traceback, no ``.partial`` left, the lock released."""
    real_fsync = os.fsync

    def interrupted_fsync(fd):
        if os.readlink(f'/proc/self/fd/{fd}').endswith('.partial') and 'epoch_1.pth' in os.readlink(
                f'/proc/self/fd/{fd}'):
            raise KeyboardInterrupt
        real_fsync(fd)

    monkeypatch.setattr(os, 'fsync', interrupted_fsync)
    try:
        exit_code = train([SMALL_CONFIG, '--no-validate', '--cfg-options', 'train_cfg.max_epochs=1'], monkeypatch,
                          tmp_path)
    except KeyboardInterrupt:
        pytest.fail('Ctrl-C came out of the tool as a traceback')
    assert exit_code == 1
    monkeypatch.undo()
    line = one_error_line(capsys)
    assert line.startswith('error: interrupted (Ctrl-C): training stopped in epoch 1, after ') and line.endswith(
        ' iterations; no checkpoint was saved yet'), line
    assert sorted(os.listdir(tmp_path / 'work'))[0][0] != '.', os.listdir(tmp_path / 'work')   # no .partial, no lock
