"""RTMPose configs' ``norm_cfg=dict(type='SyncBN')`` on one process, as mmpose runs them.

mmcv's ``SyncBN`` is torch's ``nn.SyncBatchNorm``. On one process nothing is
synchronised: torch's layer then computes plain batch norm (pinned here), and
mmengine's runner replaces every SyncBatchNorm by BatchNorm when it is not
distributed (``Runner.wrap_model`` -> ``revert_sync_batchnorm``), as does
:func:`mmpose_face.apis.init_model`; the parameter names are the same either
way, so checkpoints load into both. (Several CPU processes cannot run SyncBN:
torch's layer needs GPU tensors to synchronise; see docs/mmpose_compatibility.md.)
"""
import glob
import os.path as osp
import uuid

import torch
from mmengine.config import Config
from torch import nn

from mmpose_face import compat
from mmpose_face.apis import build_runner, init_model, prepare_train_config
from mmpose_face.engine.checkpoint_loading import safe_torch_load
from mmpose_face.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CSPNEXT_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_cspnext-t_tiny_wflw-32x32.py')


def sync_norms(model):
    return [m for m in model.modules() if isinstance(m, nn.SyncBatchNorm)]


def test_syncbn_builds_torchs_syncbatchnorm_with_batchnorms_parameter_names():
    cfg = Config.fromfile(CSPNEXT_CONFIG).model.backbone
    with compat.mmengine_fixes():
        synced = MODELS.build(cfg)
        plain = MODELS.build(dict(cfg, norm_cfg=dict(type='BN')))
    assert len(sync_norms(synced)) == 33 and not sync_norms(plain)
    assert {k: v.shape for k, v in synced.state_dict().items()} == {k: v.shape for k, v in plain.state_dict().items()}


def test_on_one_process_syncbatchnorm_is_plain_batchnorm(one_thread):
    torch.manual_seed(0)
    synced, plain = nn.SyncBatchNorm(8, momentum=0.03, eps=1e-3), nn.BatchNorm2d(8, momentum=0.03, eps=1e-3)
    plain.load_state_dict(synced.state_dict())
    x = torch.randn(4, 8, 5, 5)
    assert torch.equal(synced.train()(x), plain.train()(x))
    assert torch.equal(synced.running_var, plain.running_var)


def test_training_on_one_process_reverts_syncbn_and_saves_loadable_weights(tmp_path, one_thread):
    cfg = prepare_train_config(CSPNEXT_CONFIG, str(tmp_path / 'work'), no_validate=True, cfg_options={
        'train_cfg.max_epochs': 1, 'default_hooks.checkpoint.interval': 1,
        'experiment_name': f'syncbn-{uuid.uuid4().hex}'})
    runner = build_runner(cfg)
    runner.train()
    assert not sync_norms(runner.model)
    assert sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in runner.model.modules()) == 33
    checkpoint = safe_torch_load(sorted(glob.glob(str(tmp_path / 'work' / 'epoch_*.pth')))[-1])
    with compat.mmengine_fixes():
        synced = MODELS.build(cfg.model)  # the config's own model, SyncBN
    synced.load_state_dict(checkpoint['state_dict'], strict=True)


def test_init_model_reverts_syncbn():
    model = init_model(CSPNEXT_CONFIG)
    assert not sync_norms(model)
    assert isinstance(model.backbone.stem[0].bn, nn.modules.batchnorm._BatchNorm)
