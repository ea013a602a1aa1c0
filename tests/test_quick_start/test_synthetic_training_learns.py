"""The quick start in miniature: a tiny model trained a few hundred iterations on a
synthetic WFLW set must beat the mean-shape baseline clearly.

Nothing here is mocked: generator -> official-format files -> converter -> the
demo config (made smaller) -> mmengine Runner -> NME with baseline. If flip
pairs, affine transforms, targets, loss or decoding were wrong, the model
would not get near this bound.
"""
import copy

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmpose_face.data_preparation.synthetic.synthetic_wflw_release import make_synthetic_wflw
from mmpose_face.data_preparation.wflw_release_converter import convert_wflw

DEMO_CONFIG = ('configs/face_2d_keypoint/topdown_regression/wflw/'
               'td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py')
INPUT_SIZE = (48, 48)


@pytest.fixture(scope='module')
def synthetic_wflw(tmp_path_factory):
    root = tmp_path_factory.mktemp('synthetic_wflw')
    make_synthetic_wflw(root / 'release', num_train=480, num_test=96, seed=3, progress=False)
    convert_wflw(root / 'release', root / 'data', progress=False)
    return root


def small_demo_config(data_root, work_dir, epochs=10) -> Config:
    cfg = Config.fromfile(DEMO_CONFIG)
    codec = dict(type='RegressionLabel', input_size=INPUT_SIZE)
    cfg.model.head.decoder = codec
    for pipeline in (cfg.train_dataloader.dataset.pipeline, cfg.val_dataloader.dataset.pipeline):
        for step in pipeline:
            if step['type'] == 'TopdownAffine':
                step['input_size'] = INPUT_SIZE
            if step['type'] == 'GenerateTarget':
                step['encoder'] = codec
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = str(data_root)
    cfg.train_dataloader.batch_size = 16
    cfg.test_dataloader = copy.deepcopy(cfg.val_dataloader)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs, val_interval=epochs)
    cfg.param_scheduler = [
        dict(type='LinearLR', begin=0, end=30, start_factor=0.05, by_epoch=False),
        dict(type='MultiStepLR', begin=0, end=epochs, milestones=[epochs - 2], gamma=0.1, by_epoch=True)]
    baseline = str(data_root / 'annotations' / 'face_landmarks_wflw_train.json')
    cfg.val_evaluator = cfg.test_evaluator = dict(type='NME', baseline_ann_file=baseline)
    cfg.default_hooks.logger.interval = 50
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    cfg.work_dir = str(work_dir)
    cfg.randomness = dict(seed=0)
    return cfg


@pytest.mark.long_running
def test_tiny_model_beats_mean_shape_baseline(synthetic_wflw, tmp_path):
    cfg = small_demo_config(synthetic_wflw / 'data', tmp_path / 'work')
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert metrics['baseline_NME'] > 0.08, 'the synthetic faces vary too little to test learning'
    assert metrics['NME'] < 0.6 * metrics['baseline_NME'], metrics
    for subset in ('pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur'):
        assert f'NME_{subset}' in metrics, f'subset {subset} empty in the synthetic test split'
        assert metrics[f'NME_{subset}'] < metrics[f'baseline_NME_{subset}'], (subset, metrics)
