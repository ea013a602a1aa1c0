"""mmpose 1.3.2's own WFLW config files train and test here, unchanged but for the scope.

tests/data/mmpose_configs/ holds copies of mmpose's
``configs/face_2d_keypoint/topdown_regression/wflw/*.py`` and their
``_base_/default_runtime.py`` (``default_scope='mmpose'``, the
``BadCaseAnalysisHook``, ``SyncBuffersHook``, ``PoseLocalVisualizer`` ...),
plus a variant with ``frozen_stages=1, norm_eval=True``. Only the command
line changes: ``default_scope=mmpose_face``, the 4 real faces of tests/data,
and a narrow ResNet-18 (the 256x256 crops of the configs are kept) so that
one iteration is quick. ``tools/test.py --badcase`` writes mmpose's bad-case
pictures and list; a config naming mmpose's scope or an unknown part stops
with one ``error:`` line naming the config and what to change.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmpose_face.engine.checkpoint_loading import safe_torch_load

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = 'tests/data/mmpose_configs/face_2d_keypoint/topdown_regression/wflw'
CONFIGS = ['td-reg_res50_8xb64-210e_wflw-256x256.py', 'td-reg_res50_wingloss_8xb64-210e_wflw-256x256.py',
           'td-reg_res50_softwingloss_8xb64-210e_wflw-256x256.py',
           'td-reg_res50_frozen1-normeval_8xb64-210e_wflw-256x256.py']


def data_options(split):
    prefix = f'{split}_dataloader'
    return {f'{prefix}.num_workers': 0, f'{prefix}.persistent_workers': False,
            f'{prefix}.dataset.data_root': 'tests/data', f'{prefix}.dataset.ann_file': 'test_wflw.json',
            f'{prefix}.dataset.data_prefix.img': ''}


# the model mmpose's configs describe, made narrow: ResNet-18, 16 base channels, from scratch
TINY_MODEL = {'model.backbone.depth': 18, 'model.backbone.base_channels': 16, 'model.backbone.stem_channels': 16,
              'model.backbone.init_cfg': None, 'model.head.in_channels': 128}
TRAIN_OPTIONS = {'default_scope': 'mmpose_face', **TINY_MODEL, **data_options('train'), **data_options('val'),
                 **data_options('test'),
                 'train_dataloader.batch_size': 2, 'train_dataloader.dataset.indices': 2,
                 'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1, 'default_hooks.logger.interval': 1,
                 'randomness.seed': 0}
TEST_OPTIONS = {'default_scope': 'mmpose_face', **TINY_MODEL, **data_options('test')}


def as_cli(options):
    return ['--cfg-options'] + [f'{key}={"None" if value is None else value}' for key, value in options.items()]


def run_tool(*args, timeout=600):
    env = {key: value for key, value in os.environ.items() if key != 'MMPOSE_FACE_DEBUG'}
    process = subprocess.run([sys.executable, *map(str, args)], cwd=REPO_ROOT, env=env, capture_output=True,
                             text=True, timeout=timeout)
    return process.returncode, process.stdout + process.stderr


@pytest.fixture(scope='module', params=CONFIGS)
def trained(request, tmp_path_factory, one_thread_module):
    """One training iteration (2 faces) and the validation, in-process as tools/train.py does."""
    from mmpose_face.apis import build_runner, prepare_train_config
    work_dir = tmp_path_factory.mktemp('mmpose_config')
    cfg = prepare_train_config(f'{CONFIG_DIR}/{request.param}', str(work_dir), cfg_options=dict(TRAIN_OPTIONS))
    runner = build_runner(cfg)  # as tools/train.py: inside mmpose_face.compat's fixes
    runner.train()
    return request.param, work_dir, runner


@pytest.fixture(scope='module')
def one_thread_module():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_mmpose_config_trains_with_its_own_hooks_and_logs_acc_pose(trained):
    config, work_dir, runner = trained
    assert (work_dir / 'epoch_1.pth').is_file() and list(work_dir.glob('best_NME_epoch_1.pth'))
    hook_types = {type(hook).__name__ for hook in runner.hooks}
    assert {'BadCaseAnalysisHook', 'SyncBuffersHook', 'PoseVisualizationHook'} <= hook_types
    scalars = runner.message_hub.log_scalars
    assert 'train/acc_pose' in scalars and 0 <= scalars['train/acc_pose'].current() <= 1
    loss = type(runner.model.head.loss_module).__name__
    assert loss == {'td-reg_res50_wingloss_8xb64-210e_wflw-256x256.py': 'WingLoss',
                    'td-reg_res50_softwingloss_8xb64-210e_wflw-256x256.py': 'SoftWingLoss'}.get(config, 'SmoothL1Loss')
    backbone = runner.model.backbone
    if 'frozen1' in config:
        assert backbone.frozen_stages == 1 and backbone.norm_eval
        assert not any(p.requires_grad for p in backbone.layer1.parameters())
    else:
        assert backbone.frozen_stages == -1 and all(p.requires_grad for p in backbone.parameters())


def test_frozen_variant_kept_stem_and_first_stage_at_their_initial_weights(trained, tmp_path):
    config, work_dir, runner = trained
    if 'frozen1' not in config:
        pytest.skip('only the frozen variant')
    from mmengine.runner import Runner

    from mmpose_face.apis import prepare_train_config
    fresh = Runner.from_cfg(prepare_train_config(f'{CONFIG_DIR}/{config}', str(tmp_path),
                                                 cfg_options=dict(TRAIN_OPTIONS)))
    fresh._init_model_weights()  # the same seed: the weights training started from
    trained_state = safe_torch_load(str(work_dir / 'epoch_1.pth'))['state_dict']
    initial = fresh.model.state_dict()
    frozen = [k for k in initial if k.startswith(('backbone.conv1', 'backbone.bn1', 'backbone.layer1.'))]
    assert frozen and all(torch.equal(initial[k], trained_state[k]) for k in frozen)
    # the BN statistics of a trained stage stay too (norm_eval), its weights move
    assert torch.equal(initial['backbone.layer3.0.bn1.running_mean'], trained_state['backbone.layer3.0.bn1.running_mean'])
    moved = 'backbone.layer3.0.downsample.0.weight'  # (the zero-initialised last norms block the rest)
    assert not torch.equal(initial[moved], trained_state[moved])


def test_mmpose_config_tests_the_trained_weights(trained):
    config, work_dir, runner = trained
    metrics = runner.test()  # the test split of the config, the weights just trained
    validated = runner.message_hub.get_scalar('val/NME').current()
    assert metrics['NME'] > 0 and metrics['NME'] == pytest.approx(validated, rel=1e-6)  # same 4 faces


def test_test_tool_with_badcase_writes_mmpose_bad_case_pictures_and_list(trained):
    config, work_dir, runner = trained
    if config != CONFIGS[0]:
        pytest.skip('once is enough')
    out = work_dir / 'badcase_run'
    # an untrained model: every face is a bad case by the loss (image pixels) >= 5
    code, output = run_tool('tools/test.py', f'{CONFIG_DIR}/{config}', work_dir / 'epoch_1.pth', '--work-dir', out,
                            '--out', out / 'metrics.json', '--badcase', *as_cli(TEST_OPTIONS))
    assert code == 0, output[-3000:]
    nme = json.loads((out / 'metrics.json').read_text())['NME']
    assert nme == pytest.approx(runner.message_hub.get_scalar('val/NME').current(), rel=1e-6)
    assert float(re.findall(r'NME: ([0-9.]+)', output)[-1]) == pytest.approx(nme, abs=1e-6)
    (results_file, ) = out.glob('*/badcase/results.json')
    results = json.loads(results_file.read_text())
    assert len(results) == 4 and {'img', 'bbox', 'SmoothL1Loss'} == set(results[0])
    assert all(r['SmoothL1Loss'] >= 5 for r in results)
    pictures = sorted(p.name for p in results_file.parent.glob('*.jpg'))
    assert len(pictures) == 4
    first = results[0]
    assert f'{first["img"]}_bbox{first["bbox"]}_SmoothL1Loss{round(first["SmoothL1Loss"], 2)}.jpg' in pictures


def test_mmpose_scope_gives_one_error_line_saying_what_to_change(tmp_path):
    options = {key: value for key, value in TEST_OPTIONS.items() if key != 'default_scope'}
    config = f'{CONFIG_DIR}/{CONFIGS[0]}'
    code, output = run_tool('tools/test.py', config, tmp_path / 'none.pth', *as_cli(options))
    assert code == 1
    (line, ) = [line for line in output.splitlines() if line.startswith('error:')]
    assert config in line and "default_scope='mmpose'" in line and 'default_scope=mmpose_face' in line


def test_unknown_part_gives_one_error_line_naming_the_part_and_the_config(tmp_path):
    config = f'{CONFIG_DIR}/{CONFIGS[1]}'
    code, output = run_tool('tools/train.py', config, '--work-dir', tmp_path,
                            *as_cli({**TRAIN_OPTIONS, 'model.head.loss.type': 'KeypointOHKMMSELoss'}))
    assert code == 1
    (line, ) = [line for line in output.splitlines() if line.startswith('error:')]
    assert config in line and "model.head.loss type='KeypointOHKMMSELoss'" in line
    assert not (tmp_path / 'epoch_1.pth').exists()


MMPOSE_PYTHON = REPO_ROOT / '.venv-mmpose' / 'bin' / 'python'


@pytest.mark.skipif(not MMPOSE_PYTHON.is_file(), reason='no mmpose 1.3.2 reference environment (.venv-mmpose); '
                    'create it with: bash benchmarks/mmpose_reference/setup_env.sh')
def test_same_weights_give_mmpose_nme_with_mmpose_own_tool_and_config(trained):
    """mmpose's tools/test.py, its own config from its wheel, our checkpoint: the same NME."""
    config, work_dir, runner = trained
    if config == CONFIGS[-1]:
        pytest.skip('the variant is not an mmpose file')
    mim = subprocess.run([str(MMPOSE_PYTHON), '-c', 'import mmpose, os; print(os.path.dirname(mmpose.__file__))'],
                         capture_output=True, text=True, env={k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
                         ).stdout.strip() + '/.mim'
    options = {key: value for key, value in TEST_OPTIONS.items() if key != 'default_scope'}
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env['TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'] = '1'  # mmengine 0.10.7's torch.load and our checkpoint's meta
    process = subprocess.run([str(MMPOSE_PYTHON), f'{mim}/tools/test.py',
                              f'{mim}/configs/face_2d_keypoint/topdown_regression/wflw/{config}',
                              str(work_dir / 'epoch_1.pth'), '--work-dir', str(work_dir / 'mmpose_test'),
                              *as_cli(options)], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    output = process.stdout + process.stderr
    assert process.returncode == 0, output[-3000:]
    mmpose_nme = float(re.findall(r'NME: ([0-9.]+)', output)[-1])
    ours = runner.message_hub.get_scalar('val/NME').current()
    assert mmpose_nme == pytest.approx(ours, abs=1e-6)  # mmpose logs 6 digits
