"""mmpose 1.3.2's RTMPose WFLW config file trains and tests here, unchanged but for the scope.

tests/data/mmpose_configs/face_2d_keypoint/rtmpose/wflw/ holds a copy of
mmpose's ``rtmpose-m_8xb64-60e_wflw-256x256.py`` (CSPNeXt in the mmdet scope,
SyncBN, the backbone's Pretrained init_cfg, SimCCLabel, RTMCCHead with
KLDiscretLoss, AdamW with paramwise_cfg, LinearLR + CosineAnnealingLR,
``EMAHook`` with ``ExpMomentumEMA`` and ``mmdet.PipelineSwitchHook``). Only
options change: ``default_scope=mmpose_face``, ``model.backbone.init_cfg=None``
(offline), the 4 real faces of tests/data, a narrow CSPNeXt (widen 0.125: its
256x256 crops are kept) so that a step is quick, and 2 epochs of one step
with the switch at epoch 1 (the config's is 50 of 60). Where the optional
albumentations is not installed, its ``Albumentation`` step is replaced by
``PhotometricDistortion`` (both pipelines), and the test says so in its name.
"""
import importlib.util
import json
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config

from test_mmpose_configs import REPO_ROOT, as_cli, data_options, run_tool

CONFIG = 'tests/data/mmpose_configs/face_2d_keypoint/rtmpose/wflw/rtmpose-m_8xb64-60e_wflw-256x256.py'
HAS_ALBUMENTATIONS = importlib.util.find_spec('albumentations') is not None
TINY_MODEL = {'model.backbone.init_cfg': None, 'model.backbone.deepen_factor': 0.167,
              'model.backbone.widen_factor': 0.125, 'model.head.in_channels': 128}
TRAIN_OPTIONS = {'default_scope': 'mmpose_face', **TINY_MODEL, **data_options('train'), **data_options('val'),
                 **data_options('test'), 'train_dataloader.batch_size': 2, 'train_dataloader.dataset.indices': 2,
                 'train_cfg.max_epochs': 2, 'custom_hooks.1.switch_epoch': 1, 'default_hooks.logger.interval': 1,
                 'randomness.seed': 0}
TEST_OPTIONS = {'default_scope': 'mmpose_face', **TINY_MODEL, **data_options('test')}


def without_albumentations_options() -> dict:
    """Without albumentations: both pipelines (the config's own lists) with its step replaced."""
    cfg = Config.fromfile(str(REPO_ROOT / CONFIG))

    def replaced(pipeline):
        return [dict(type='PhotometricDistortion') if step['type'] == 'Albumentation' else step.to_dict()
                for step in pipeline]

    return {'train_dataloader.dataset.pipeline': replaced(cfg.train_pipeline),
            'custom_hooks.1.switch_pipeline': replaced(cfg.train_pipeline_stage2)}


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """Two one-step epochs and the validation, in-process as tools/train.py does, one torch thread."""
    from mmpose_face.apis import build_runner, prepare_train_config
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        work_dir = tmp_path_factory.mktemp('mmpose_rtmpose')
        options = dict(TRAIN_OPTIONS, **({} if HAS_ALBUMENTATIONS else without_albumentations_options()))
        runner = build_runner(prepare_train_config(CONFIG, str(work_dir), cfg_options=options))
        runner.train()
        yield work_dir, runner
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize('albumentation', ['with_albumentation' if HAS_ALBUMENTATIONS
                                           else 'albumentation_replaced_by_photometric_distortion'])
def test_mmpose_rtmpose_config_trains_with_ema_and_the_pipeline_switch(trained, albumentation):
    work_dir, runner = trained
    assert (work_dir / 'epoch_2.pth').is_file() and list(work_dir.glob('best_NME_epoch_*.pth'))
    ema = next(hook for hook in runner.hooks if type(hook).__name__ == 'EMAHook')
    assert type(ema.ema_model).__name__ == 'ExpMomentumEMA' and int(ema.ema_model.steps) == 2
    switch = next(hook for hook in runner.hooks if type(hook).__name__ == 'PipelineSwitchHook')
    assert switch._has_switched and switch.switch_epoch == 1
    jitter = next(step for step in runner.train_dataloader.dataset.pipeline.transforms
                  if type(step).__name__ == 'RandomBBoxTransform')
    assert (jitter.shift_factor, jitter.rotate_factor) == (0., 60)  # stage 2's, not stage 1's (0.16, 80)
    norms = [module for module in runner.model.backbone.modules()
             if isinstance(module, torch.nn.modules.batchnorm._BatchNorm)]
    assert norms and not any(isinstance(module, torch.nn.SyncBatchNorm) for module in norms)  # BN on one process
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 2 and np.isfinite(losses).all()
    assert type(runner.model.head.loss_module).__name__ == 'KLDiscretLoss'
    checkpoint = torch.load(work_dir / 'epoch_2.pth', map_location='cpu', weights_only=False)
    assert 'ema_state_dict' in checkpoint  # EMAHook saves its averaged model (and state_dict holds its weights)


def test_test_tool_tests_the_trained_rtmpose_weights(trained):
    work_dir, runner = trained
    out = work_dir / 'test_run'
    code, output = run_tool('tools/test.py', CONFIG, work_dir / 'epoch_2.pth', '--work-dir', out,
                            '--out', out / 'metrics.json', *as_cli(TEST_OPTIONS))
    assert code == 0, output[-3000:]
    nme = json.loads((out / 'metrics.json').read_text())['NME']
    # the last validation ran the EMA weights on the same 4 faces; the checkpoint's state_dict holds them
    assert nme == pytest.approx(runner.message_hub.get_scalar('val/NME').current(), rel=1e-5)
    assert float(re.findall(r'NME: ([0-9.]+)', output)[-1]) == pytest.approx(nme, abs=1e-6)
