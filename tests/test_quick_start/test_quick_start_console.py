"""What `make demo` shows: progress bars with ETA on the console, the bulk in the
log file only, checkpoints that say what they learnt from, and a summary that
counts this run's pictures and names the checkpoint and the next command.

Every config gets the quiet console and the progress bars from the default
runtime: the tiny 32x32 test model, which sets neither, with the quick start's
synthetic flag, is trained through ``tools/train.py --resume`` and tested
through ``tools/test.py`` as the Makefile does; ``--verbose`` shows everything.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmpose_face.engine.checkpoint_loading import safe_torch_load

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = ('configs/face_2d_keypoint/topdown_regression/wflw/'
               'td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py')
TINY_CONFIG = REPO_ROOT / 'tests' / 'configs' / 'td-reg_res18_tiny_wflw-32x32.py'


def run(*args, timeout=600):
    env = {key: value for key, value in os.environ.items() if key != 'MMPOSE_FACE_DEBUG'}
    env['OMP_NUM_THREADS'] = '1'
    process = subprocess.run([sys.executable, *map(str, args)], cwd=REPO_ROOT, env=env, capture_output=True,
                             text=True, timeout=timeout)
    return process.returncode, process.stdout, process.stderr


@pytest.fixture(scope='module')
def quiet_config(tmp_path_factory):
    """The tiny config with the quick start's data-record settings (and no console settings of its own)."""
    demo = Config.fromfile(DEMO_CONFIG)
    for config in TINY_CONFIG.parent.glob('*.py'):
        assert 'runner_type' not in config.read_text() and 'ProgressBarHook' not in config.read_text()
    folder = tmp_path_factory.mktemp('config')
    path = folder / 'tiny_quiet.py'
    path.write_text(
        f"_base_ = [{str(TINY_CONFIG)!r}]\n"
        "train_cfg = dict(max_epochs=2, val_interval=1)\n"
        f"train_dataloader = dict(dataset=dict(metainfo={demo.train_dataloader.dataset.metainfo!r}))\n")
    return path


@pytest.fixture(scope='module')
def trained(quiet_config, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('work')
    code, stdout, stderr = run('tools/train.py', quiet_config, '--work-dir', work_dir, '--resume')  # as make demo
    assert code == 0, (stdout + stderr)[-3000:]
    return work_dir, stdout, stderr


def test_console_shows_progress_and_results_not_the_config_or_hook_tables(trained):
    work_dir, stdout, stderr = trained
    assert 'train: 100%' in stderr and '<00:00' in stderr  # tqdm: count and elapsed<remaining (ETA)
    assert 'Config:' not in stdout and 'Hooks will be executed' not in stdout
    assert 'System environment' not in stdout and 'eta: ' not in stdout
    assert 'Epoch(val) [2]' in stdout and 'NME' in stdout  # the results still reach the console
    [log_file] = glob.glob(str(work_dir / '*' / '*.log'))
    log = Path(log_file).read_text()
    assert 'Config:' in log and 'Hooks will be executed' in log and 'eta: ' in log


def test_a_first_run_and_mmengine_internals_print_no_warnings(trained):
    """``--resume`` in an empty work dir starts afresh without mmengine's "nothing to resume" lines;
    the notices about the file client mmengine's own hooks build stay in the log file."""
    work_dir, stdout, stderr = trained
    console = stdout + stderr
    for line in ('Did not find last_checkpoint', 'Auto resumed from the latest checkpoint None',
                 '"FileClient" will be deprecated', '"HardDiskBackend" is the alias'):
        assert line not in console
    [log_file] = glob.glob(str(work_dir / '*' / '*.log'))
    assert '"FileClient" will be deprecated' in Path(log_file).read_text()
    assert 'WARNING' not in console and 'Warning' not in console, console[-3000:]


def test_checkpoints_record_the_training_data(trained):
    work_dir, _, _ = trained
    import mmpose_face  # noqa: F401  (allow-lists what mmengine checkpoints hold)
    checkpoint = safe_torch_load(str(work_dir / 'epoch_2.pth'))
    trained_on = checkpoint['meta']['trained_on']
    assert trained_on['synthetic'] is True and trained_on['dataset'] == 'wflw'
    assert trained_on['ann_file'].endswith('test_wflw.json')


def test_the_published_configs_record_real_data():
    from mmpose_face.datasets.wflw_dataset import WFLWDataset
    config = Config.fromfile('configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py')
    assert dict(type='TrainingDataRecordHook') in config.custom_hooks
    assert WFLWDataset._load_metainfo(config.train_dataloader.dataset.get('metainfo')).get('synthetic') is None
    demo = Config.fromfile(DEMO_CONFIG)
    assert WFLWDataset._load_metainfo(demo.train_dataloader.dataset.metainfo)['synthetic'] is True


def written_files(stdout: str) -> list:
    """The lines of tools/test.py's closing ``Files written:`` list."""
    assert stdout.count('Files written:') == 1, stdout[-2000:]
    return [line.strip() for line in stdout.split('Files written:\n')[1].splitlines() if line.startswith('  ')]


def test_testing_shows_a_bar_the_table_and_every_file_written_and_reuses_the_picture_folder(trained, quiet_config,
                                                                                          tmp_path):
    work_dir, _, _ = trained
    test_dir, pictures = tmp_path / 'test', tmp_path / 'test' / 'vis_test'
    outputs = ['--work-dir', test_dir, '--out', tmp_path / 'metrics.json', '--dump', tmp_path / 'predictions.json',
               '--show-dir', pictures]  # an absolute --show-dir, as make demo passes it
    code, stdout, stderr = run('tools/test.py', quiet_config, work_dir / 'epoch_2.pth', *outputs)
    assert code == 0, (stdout + stderr)[-3000:]
    assert 'test: 100%' in stderr
    assert 'WFLW evaluation of 4 faces' in stdout and 'Config:' not in stdout
    listed = written_files(stdout)
    for path in (tmp_path / 'metrics.json', tmp_path / 'predictions.json', test_dir / 'ced_curves.png'):
        assert str(path) in listed
    [log_file] = glob.glob(str(test_dir / '*' / '*.log'))
    assert log_file in listed
    assert sorted(os.listdir(pictures)) == sorted(osp.basename(path) for path in listed
                                                  if osp.dirname(path) == str(pictures))
    assert len(os.listdir(pictures)) == 4

    # again, --verbose: everything on the console, no bar; the same 4 pictures, rewritten
    code, stdout, stderr = run('tools/test.py', quiet_config, work_dir / 'epoch_2.pth', *outputs, '--verbose')
    assert code == 0, (stdout + stderr)[-3000:]
    assert 'test: 100%' not in stderr
    assert 'Config:' in stdout and 'System environment' in stdout
    assert len(os.listdir(pictures)) == 4 and len(written_files(stdout)) >= 4 + 4


def write_run(work_dir: Path, timestamp: str, count: int) -> None:
    folder = work_dir / timestamp / 'vis_test'
    folder.mkdir(parents=True)
    for index in range(count):
        (folder / f'{index}_face.jpg').write_bytes(b'')


def test_summary_counts_this_runs_pictures_and_names_checkpoint_and_next_command(tmp_path):
    metrics = {'NME': 0.05, 'baseline_NME': 0.2, 'FR@0.1': 0.01, 'AUC@0.1': 0.5}
    for subset in ('pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur'):
        metrics[f'NME_{subset}'], metrics[f'baseline_NME_{subset}'] = 0.05, 0.2
    (tmp_path / 'metrics.json').write_text(json.dumps(metrics))
    write_run(tmp_path, '20261201_100000', 500)  # an older run
    write_run(tmp_path, '20261201_110000', 3)    # this run
    (tmp_path / 'epoch_12.pth').write_bytes(b'x')
    code, stdout, stderr = run('tools/misc/summarize_demo.py', tmp_path, '--checkpoint', tmp_path / 'epoch_12.pth',
                               '--seconds', 75)
    assert code == 0, stdout + stderr
    assert '3 files, e.g. ' + str(tmp_path / '20261201_110000' / 'vis_test' / '0_face.jpg') in stdout
    assert '500 files' not in stdout and '503 files' not in stdout
    assert str(tmp_path / 'epoch_12.pth') in stdout
    assert '.venv/bin/python demo/inferencer_demo.py YOUR_PHOTO.jpg --model wflw' in stdout
    assert 'make demo took 1 min 15 s' in stdout
