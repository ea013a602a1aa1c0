"""What `make demo` shows: progress bars with ETA on the console, the bulk in the
log file only, checkpoints that say what they learnt from, and a summary that
counts this run's pictures and names the checkpoint and the next command.

The quick-start config's console settings (``runner_type``, the progress-bar
hook, the synthetic flag) are put on the tiny 32x32 test model, trained
through ``tools/train.py`` and tested through ``tools/test.py`` as the
Makefile does.
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
    """The tiny config with the quick start's console and data-record settings."""
    demo = Config.fromfile(DEMO_CONFIG)
    folder = tmp_path_factory.mktemp('config')
    path = folder / 'tiny_quiet.py'
    path.write_text(
        f"_base_ = [{str(TINY_CONFIG)!r}]\n"
        f"runner_type = {demo.runner_type!r}\n"
        f"custom_hooks = {demo.custom_hooks!r}\n"
        "train_cfg = dict(max_epochs=2, val_interval=1)\n"
        f"train_dataloader = dict(dataset=dict(metainfo={demo.train_dataloader.dataset.metainfo!r}))\n")
    return path


@pytest.fixture(scope='module')
def trained(quiet_config, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('work')
    code, stdout, stderr = run('tools/train.py', quiet_config, '--work-dir', work_dir)
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


def test_testing_shows_a_bar_and_the_table(trained, quiet_config):
    work_dir, _, _ = trained
    code, stdout, stderr = run('tools/test.py', quiet_config, work_dir / 'epoch_2.pth', '--work-dir', work_dir,
                               '--out', work_dir / 'metrics.json')
    assert code == 0, (stdout + stderr)[-3000:]
    assert 'test: 100%' in stderr
    assert 'WFLW evaluation of 4 faces' in stdout and 'Config:' not in stdout


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
