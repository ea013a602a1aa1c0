"""mmpose 1.3.2's RTMPose face configs, shipped unchanged under configs/face_2d_keypoint/rtmpose/.

Each loads with our config loading (``default_scope`` from our
``_base_/default_runtime.py``: the only difference to mmpose's setup), names
only registered parts, and its recipe builds: the train, stage-2 and val
pipelines run on small files in each data set's layout (Face6: all six data
sets through ``CombinedDataset`` and ``KeypointConverter``), and mmengine's
runner builds its ``EMAHook`` + ``ExpMomentumEMA``, ``mmdet.PipelineSwitchHook``,
AdamW with the decay multipliers and the LinearLR + cosine schedule.

The model (``mmdet.CSPNeXt``, ``RTMCCHead``, ``KLDiscretLoss``) and the
``SimCCLabel`` codec come from other parts of the project: until they are
registered, the codec is replaced by a stand-in (``RegressionLabel`` of the
same input size) and the model is not built (``RTM_MODEL_PARTS``); once they
are, the same tests use them unchanged. Without albumentations installed the
pipelines run without their ``Albumentation`` step (its RTMPose entry is
tested in tests/test_datasets/test_albumentations_arguments.py).
"""
import copy
import filecmp
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from mmpose_face import compat
from mmpose_face.apis.config_compatibility import check_config_compatibility, config_parts
from mmpose_face.engine.hooks import PipelineSwitchHook
from mmpose_face.errors import ConfigCompatibilityError
from mmpose_face.models.utils import ExpMomentumEMA
from mmpose_face.registry import DATASETS, KEYPOINT_CODECS, MODELS
from tests.mmpose_reference import REFERENCE_PYTHON
from tests.test_datasets.face_layouts import random_face, write_benchmark_files, write_image

FOLDER = 'configs/face_2d_keypoint/rtmpose'
CONFIGS = ['wflw/rtmpose-m_8xb64-60e_wflw-256x256.py', 'lapa/rtmpose-m_8xb64-120e_lapa-256x256.py',
           'coco_wholebody_face/rtmpose-m_8xb32-60e_coco-wholebody-face-256x256.py',
           'face6/rtmpose-m_8xb256-120e_face6-256x256.py', 'face6/rtmpose-s_8xb256-120e_face6-256x256.py',
           'face6/rtmpose-t_8xb256-120e_face6-256x256.py']
# built in other parts of the project (the model and its codec); see the module docstring
RTM_MODEL_PARTS = {'mmdet.CSPNeXt', 'RTMCCHead', 'KLDiscretLoss', 'SimCCLabel'}
MMPOSE_CONFIGS = osp.join(osp.dirname(osp.dirname(REFERENCE_PYTHON)), 'lib', 'python3.11', 'site-packages', 'mmpose',
                          '.mim', 'configs', 'face_2d_keypoint', 'rtmpose')


def load(name):
    with compat.mmengine_fixes():  # as the tools load a config
        return Config.fromfile(osp.join(FOLDER, name))


def codec_registered() -> bool:
    return KEYPOINT_CODECS.get('SimCCLabel') is not None


def model_parts_registered() -> bool:
    return all(registry.get(name) for registry, name in ((MODELS, 'mmdet.CSPNeXt'), (MODELS, 'RTMCCHead'),
                                                         (MODELS, 'KLDiscretLoss'), (KEYPOINT_CODECS, 'SimCCLabel')))


def runnable(pipeline):
    """The pipeline as the config gives it; the codec stand-in and no Albumentation where those are missing."""
    try:
        import albumentations  # noqa: F401
        has_albumentations = True
    except ImportError:
        has_albumentations = False
    steps = []
    for step in copy.deepcopy(pipeline):
        if step['type'] == 'Albumentation' and not has_albumentations:
            continue
        if step['type'] == 'GenerateTarget' and not codec_registered():
            step['encoder'] = dict(type='RegressionLabel', input_size=step['encoder']['input_size'])
        steps.append(step)
    return steps


@pytest.mark.parametrize('name', CONFIGS)
def test_shipped_as_mmpose_ships_it(name):
    shipped = sorted(osp.relpath(osp.join(folder, file), FOLDER) for folder in
                     {osp.dirname(osp.join(FOLDER, c)) for c in CONFIGS} for file in os.listdir(folder)
                     if file.endswith('.py'))
    assert shipped == sorted(CONFIGS)
    if osp.isdir(MMPOSE_CONFIGS):
        assert filecmp.cmp(osp.join(FOLDER, name), osp.join(MMPOSE_CONFIGS, name), shallow=False)
    cfg = load(name)
    assert cfg.default_scope == 'mmpose_face'  # from our _base_/default_runtime.py
    assert cfg.model.backbone._scope_ == 'mmdet' and cfg.model.backbone.type == 'CSPNeXt'


@pytest.mark.parametrize('name', CONFIGS)
def test_only_the_model_parts_may_be_missing(name):
    cfg = load(name)
    missing = {part_type for _, part_type, registry in config_parts(cfg) if registry.get(part_type) is None}
    assert missing <= RTM_MODEL_PARTS
    if missing:
        with pytest.raises(ConfigCompatibilityError):
            check_config_compatibility(cfg, name)
    else:
        check_config_compatibility(cfg, name)


def write_halpe_file(folder):
    """Two people in Halpe's layout (136 points; faces at 26-93) on one image."""
    rng = np.random.default_rng(3)
    write_image(osp.join(folder, 'images', 'person.png'), 64, 48, 7)
    annotations = []
    for i in range(2):
        keypoints, box = random_face(rng, 136, 64, 48)
        annotations.append(dict(id=i + 1, image_id=1, category_id=1, iscrowd=0, bbox=box, num_keypoints=136,
                                keypoints=keypoints.ravel().tolist()))
    path = osp.join(folder, 'halpe.json')
    with open(path, 'w') as f:
        json.dump(dict(images=[dict(id=1, file_name='person.png', width=64, height=48)], annotations=annotations,
                       categories=[dict(id=1, name='person')]), f)
    return path


@pytest.fixture(scope='module')
def layouts(tmp_path_factory):
    """A small annotation file in each layout the configs read: {dataset type: (data_root, ann_file)}."""
    root = tmp_path_factory.mktemp('rtmpose_layouts')
    files = {kind: write_benchmark_files(str(root / name), name)
             for kind, name in (('LapaDataset', 'lapa'), ('CocoWholeBodyFaceDataset', 'coco_wholebody_face'),
                                ('WFLWDataset', 'wflw'), ('Face300WDataset', '300w'), ('COFWDataset', 'cofw'))}
    (root / 'halpe' / 'images').mkdir(parents=True)
    files['HalpeDataset'] = write_halpe_file(str(root / 'halpe'))
    return {kind: (osp.dirname(path), osp.basename(path)) for kind, path in files.items()}


def on_sample_files(dataset_cfg, layouts, pipeline):
    """The config's data set entry on the sample files (every sub-data set of a CombinedDataset too)."""
    dataset_cfg = copy.deepcopy(dataset_cfg)
    for entry in dataset_cfg.get('datasets', [dataset_cfg]):
        entry['data_root'], entry['ann_file'] = layouts[entry['type']]
        entry['data_prefix'] = dict(img='images/')
        entry['pipeline'] = runnable(entry['pipeline'])  # KeypointConverter for Face6's sub-data sets
    dataset_cfg['pipeline'] = runnable(pipeline)
    return dataset_cfg


@pytest.mark.parametrize('name', CONFIGS)
def test_pipelines_run_on_each_layout(name, layouts):
    cfg = load(name)
    init_default_scope('mmpose_face')
    train = DATASETS.build(on_sample_files(cfg.train_dataloader.dataset, layouts, cfg.train_pipeline))
    if name.startswith('face6'):
        assert train.lens == [6, 6, 6, 6, 6, 2]  # LaPa, COCO-WholeBody-Face, WFLW, 300W, COFW, Halpe
    np.random.seed(0)
    for index in range(0, len(train), 5):
        packed = train[index]
        assert packed['inputs'].shape == (3, 256, 256)
        assert packed['data_samples'].gt_instances.keypoints.shape == (1, 106 if 'face6' in name or 'lapa' in name
                                                                       else 98 if 'wflw' in name else 68, 2)
    switch, = [hook for hook in cfg.custom_hooks if hook.type == 'mmdet.PipelineSwitchHook']
    train.pipeline = Compose(runnable(switch.switch_pipeline))  # what the hook does at epoch switch_epoch
    assert train[0]['inputs'].shape == (3, 256, 256)
    for split in ('val', 'test'):
        loader = cfg[f'{split}_dataloader']
        test = DATASETS.build(on_sample_files(loader.dataset, layouts, loader.dataset.pipeline))
        packed = test[1]
        assert packed['inputs'].shape == (3, 256, 256) and 'input_center' in packed['data_samples'].metainfo


class StandInModel(BaseModel):
    """Conv with bias, BatchNorm, Linear with bias: the three kinds of parameter the decay multipliers tell apart."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, inputs=None, data_samples=None, mode='tensor'):
        return {'loss': self.fc(self.bn(self.conv(inputs)).mean((2, 3))).sum()}


@pytest.mark.parametrize('name', CONFIGS)
def test_runner_builds_hooks_optimizer_and_schedules(name, tmp_path):
    cfg = load(name)
    epoch_length = 50  # the cosine begins (epoch 30 or more) after the 1000-iteration warm-up
    runner = Runner(model=StandInModel(), work_dir=str(tmp_path), default_scope='mmpose_face',
                    train_dataloader=DataLoader(list(range(epoch_length))), train_cfg=cfg.train_cfg,
                    optim_wrapper=cfg.optim_wrapper, param_scheduler=cfg.param_scheduler,
                    custom_hooks=cfg.custom_hooks, default_hooks=dict(), env_cfg=dict(cudnn_benchmark=False))
    hooks = {type(hook).__name__: hook for hook in runner.hooks}
    switch = hooks['PipelineSwitchHook']
    assert isinstance(switch, PipelineSwitchHook)
    assert switch.switch_epoch == cfg.train_cfg.max_epochs - 10
    if 'rtmpose-t' not in name:  # mmpose's RTMPose-t Face6 config comments EMAHook out
        ema = hooks['EMAHook']
        assert ema.priority == 49 and ema.ema_cfg == dict(type='ExpMomentumEMA', momentum=0.0002, update_buffers=True)
        ema.before_run(runner)
        assert type(ema.ema_model) is ExpMomentumEMA
    else:
        assert 'EMAHook' not in hooks

    optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    decay = cfg.optim_wrapper.optimizer.weight_decay
    assert type(optim_wrapper.optimizer).__name__ == 'AdamW'
    group_decay = {id(group['params'][0]): group['weight_decay'] for group in optim_wrapper.optimizer.param_groups}
    model = runner.model
    assert group_decay[id(model.conv.weight)] == group_decay[id(model.fc.weight)] == decay
    for norm_or_bias in (model.bn.weight, model.bn.bias, model.conv.bias, model.fc.bias):
        assert group_decay[id(norm_or_bias)] == 0  # norm_decay_mult=0, bias_decay_mult=0
    clip_grad = cfg.optim_wrapper.get('clip_grad')  # Face6's: dict(max_norm=35, norm_type=2)
    assert getattr(optim_wrapper, 'clip_grad_kwargs', None) == (dict(clip_grad) if clip_grad else None)

    runner.optim_wrapper = optim_wrapper
    schedulers = runner.build_param_scheduler(runner.param_schedulers)
    assert not any(scheduler.by_epoch for scheduler in schedulers)  # LinearLR by iteration, cosine converted
    base_lr, max_epochs = cfg.base_lr, cfg.train_cfg.max_epochs
    cosine = cfg.param_scheduler[1]
    learning_rates = []
    for _ in range(max_epochs * epoch_length):
        learning_rates.append(optim_wrapper.get_lr()['lr'][0])
        for scheduler in schedulers:
            scheduler.step()
    assert learning_rates[0] == pytest.approx(base_lr * 1e-5)
    assert learning_rates[1000] == pytest.approx(base_lr)  # warm-up over 1000 iterations
    begin = cosine.begin * epoch_length
    assert learning_rates[begin] == pytest.approx(base_lr)
    halfway = begin + cosine.T_max * epoch_length // 2
    assert learning_rates[halfway] == pytest.approx((base_lr + cosine.eta_min) / 2, rel=1e-3)
    if cosine.end - cosine.begin == cosine.T_max:
        assert learning_rates[-1] == pytest.approx(cosine.eta_min, rel=1e-2)


# ---------------------------------------------------------------- through the tools' code path
# Until the RTMPose model parts are registered, the model is a stand-in (a narrow DeepPose
# ResNet-18 with 106 outputs) and GenerateTarget's codec RegressionLabel: the overrides below
# marked STAND-IN; with all of them registered the test uses the config's own model (from scratch).
STAND_IN_MODEL = dict(
    _delete_=True, type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                           bgr_to_rgb=True),
    backbone=dict(type='ResNet', depth=18, base_channels=8, stem_channels=8, init_cfg=None),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='RegressionHead', in_channels=64, num_joints=106, loss=dict(type='SmoothL1Loss', use_target_weight=True),
              decoder=dict(type='RegressionLabel', input_size=(256, 256))),
    test_cfg=dict(flip_test=True))


def face6_options(cfg, layouts):
    """--cfg-options for the shipped Face6 config: sample files, 2 short epochs, the switch at epoch 1."""
    options = {'default_scope': 'mmpose_face', 'train_cfg.max_epochs': 2, 'custom_hooks.1.switch_epoch': 1,
               'default_hooks.logger.interval': 1, 'randomness.seed': 0,
               'train_dataloader.batch_size': 3, 'train_dataloader.num_workers': 1,  # persistent workers, as shipped
               'val_dataloader.dataset.indices': 2,
               'val_dataloader.num_workers': 0, 'val_dataloader.persistent_workers': False,
               'test_dataloader.num_workers': 0, 'test_dataloader.persistent_workers': False}
    stand_in = not model_parts_registered()
    if stand_in:
        options['model'] = STAND_IN_MODEL  # STAND-IN
    else:
        options['model.backbone.init_cfg'] = None  # no ImageNet weights offline: from scratch
    for pipeline_key, steps in (('train_dataloader.dataset.pipeline', cfg.train_pipeline),
                                ('custom_hooks.1.switch_pipeline', cfg.train_pipeline_stage2)):
        for index, step in enumerate(steps):
            if step['type'] == 'GenerateTarget' and stand_in:  # STAND-IN
                options[f'{pipeline_key}.{index}.encoder'] = dict(
                    _delete_=True, type='RegressionLabel', input_size=(256, 256))
            if step['type'] == 'Albumentation' and runnable([step]) == []:  # albumentations not installed
                options[f'{pipeline_key}.{index}'] = dict(type='RandomApply', transforms=[], prob=0.)  # a list item: replaced
    for split in ('train', 'test'):
        for index, entry in enumerate(cfg[f'{split}_dataloader'].dataset.datasets):
            prefix = f'{split}_dataloader.dataset.datasets.{index}'
            options[f'{prefix}.data_root'], options[f'{prefix}.ann_file'] = layouts[entry['type']]
            options[f'{prefix}.data_prefix'] = dict(img='images/')
            options[f'{prefix}.indices'] = 1  # one face of each data set
    options['val_dataloader.dataset.data_root'], options['val_dataloader.dataset.ann_file'] = layouts['LapaDataset']
    options['val_dataloader.dataset.data_prefix'] = dict(img='images/')
    return options


def test_face6_config_trains_switches_and_tests_through_the_tools(layouts, tmp_path, one_thread, monkeypatch):
    from mmpose_face.apis import build_runner, prepare_train_config

    # mmengine formats the config with yapf (Config.pretty_text) for the dumped config and each
    # checkpoint's meta: about 9 s a time for Face6's long mapping lists on the shared 2-core machine.
    # Not what this test is about, so the text here is the plain dict's.
    monkeypatch.setattr(Config, 'pretty_text', property(lambda self: repr(self.to_dict())))
    name = 'face6/rtmpose-m_8xb256-120e_face6-256x256.py'
    cfg = prepare_train_config(osp.join(FOLDER, name), str(tmp_path), cfg_options=face6_options(load(name), layouts))
    assert cfg.train_dataloader.persistent_workers and cfg.train_dataloader.num_workers == 1
    runner = build_runner(cfg)
    runner.train()
    switch, = [hook for hook in runner.hooks if isinstance(hook, PipelineSwitchHook)]
    assert switch._has_switched and switch._restart_dataloader  # epoch 1 ran on stage 2's pipeline, new workers
    pipeline_steps = [type(step).__name__ for step in runner.train_dataloader.dataset.pipeline.transforms]
    assert pipeline_steps[3] == 'RandomHalfBody' and 'YOLOXHSVRandomAug' in pipeline_steps
    ema, = [hook for hook in runner.hooks if type(hook).__name__ == 'EMAHook']
    assert type(ema.ema_model) is ExpMomentumEMA and ema.ema_model.steps == 2 * 2  # 6 faces, 3 per batch, 2 epochs
    assert (tmp_path / 'epoch_2.pth').is_file() and list(tmp_path.glob('best_NME_epoch_*.pth'))
    metrics = runner.test()  # Face6's test loader: the six test sets in one CombinedDataset
    assert np.isfinite(metrics['NME'])
