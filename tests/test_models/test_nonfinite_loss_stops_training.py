"""A NaN or infinite loss stops training with the iteration and the batch's
image paths, before the step reaches the weights and before any checkpoint
is written from them."""
import glob
import hashlib
import os.path as osp
import uuid

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from mmpose_face.apis import init_model, prepare_train_config
from mmpose_face.apis.cli import run_tool
from mmpose_face.models.losses.smooth_l1_loss import SmoothL1Loss
from mmpose_face.models.pose_estimator import NonFiniteLossError
from mmpose_face.registry import HOOKS
from mmpose_face.structures import PoseDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-32x32.py')
BAD_ITERATION = 3  # 0-based: the last of epoch 2, right before epoch 2's checkpoint


def sha256(path) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


@HOOKS.register_module(force=True)
class PoisonLossHook(Hook):
    """At ``BAD_ITERATION``: note the weights, optimizer state, batch paths and
    saved files, then make the loss of this step NaN (see ``nan_loss``)."""

    seen = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter != BAD_ITERATION:
            return
        PoisonLossHook.seen = dict(
            runner=runner,
            parameters={name: p.detach().clone() for name, p in runner.model.named_parameters()},
            optimizer=runner.optim_wrapper.optimizer.state_dict(),
            img_paths=[sample.img_path for sample in data_batch['data_samples']],
            files={path: sha256(path) for path in glob.glob(osp.join(runner.work_dir, '*'))
                   if osp.isfile(path)})


@pytest.fixture
def nan_loss(monkeypatch):
    reduce = SmoothL1Loss.reduce

    def reduce_nan_at_the_bad_iteration(self, output, target):
        loss = reduce(self, output, target)
        return loss * float('nan') if MessageHub.get_current_instance().get_info('iter') == BAD_ITERATION else loss

    monkeypatch.setattr(SmoothL1Loss, 'reduce', reduce_nan_at_the_bad_iteration)


def test_a_nan_loss_stops_training_before_the_step_and_the_checkpoint(tmp_path, nan_loss, one_thread, capsys):
    work_dir = str(tmp_path / 'work')
    cfg = prepare_train_config(SMALL_CONFIG, work_dir, no_validate=True, cfg_options={
        'train_cfg.max_epochs': 3, 'experiment_name': f'nan-{uuid.uuid4().hex}'})
    cfg.custom_hooks.append(dict(type='PoisonLossHook'))
    PoisonLossHook.seen = {}

    assert run_tool(lambda: Runner.from_cfg(cfg).train()) == 1
    seen = PoisonLossHook.seen
    error = capsys.readouterr().err
    assert f'error: loss is nan at iteration {BAD_ITERATION + 1} (epoch 2); the step was not applied.' in error
    assert f'Images of this batch: {seen["img_paths"]}' in error and len(seen['img_paths']) == 2

    # the weights and Adam's moments are those from before the bad step
    model = seen['runner'].model
    for name, parameter in model.named_parameters():
        assert torch.equal(parameter, seen['parameters'][name]), name
    state_before, state_after = seen['optimizer']['state'], seen['runner'].optim_wrapper.optimizer.state_dict()['state']
    assert all(torch.equal(state_before[key]['exp_avg'], state_after[key]['exp_avg']) for key in state_before)

    # nothing in the work dir was written or rewritten after the bad step: epoch 1 is the last checkpoint
    after = {path: sha256(path) for path in glob.glob(osp.join(work_dir, '*')) if osp.isfile(path)}
    assert after == seen['files']
    assert sorted(osp.basename(path) for path in after if not path.endswith('.py')) == \
        ['epoch_1.pth', 'last_checkpoint']


def test_parse_losses_refuses_inf_and_passes_finite_losses():
    model = init_model(SMALL_CONFIG)
    samples = [PoseDataSample(metainfo=dict(img_path=path)) for path in ('a.jpg', 'b.jpg')]
    with pytest.raises(NonFiniteLossError, match=r"loss is inf .*Images of this batch: \['a.jpg', 'b.jpg'\]"):
        model.parse_losses({'loss_kpt': torch.tensor(float('inf'))}, samples)
    model.train_cfg['check_finite_loss_every_step'] = False  # the fast-path configs' switch
    assert not torch.isfinite(model.parse_losses({'loss_kpt': torch.tensor(float('inf'))})[0])
    loss, _ = model.parse_losses({'loss_kpt': torch.tensor(0.25)})
    assert loss.item() == 0.25
