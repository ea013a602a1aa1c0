"""prepare_train_config and prepare_test_config: what the tools' options change in the runner config,
and the errors for options the config or the machine cannot take."""
import os.path as osp

import pytest
import torch

from mmpose_face.apis import prepare_test_config, prepare_train_config
from mmpose_face.errors import UserInputKeyError, UserInputRuntimeError

CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'


def test_train_options_in_the_runner_config(monkeypatch):
    cfg = prepare_train_config(CONFIG, no_validate=True, auto_scale_lr=True)
    assert cfg.val_cfg is None and cfg.val_dataloader is None and cfg.val_evaluator is None
    assert cfg.default_hooks.checkpoint.save_best is None
    assert cfg.auto_scale_lr == dict(base_batch_size=512, enable=True)
    resumed = prepare_train_config(CONFIG, resume='auto')
    assert resumed.resume is True and resumed.load_from is None
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    amp = prepare_train_config(CONFIG, amp=True)
    assert amp.optim_wrapper.type == 'AmpOptimWrapper' and amp.optim_wrapper.loss_scale == 'dynamic'
    assert amp.optim_wrapper.optimizer == dict(type='Adam', lr=5e-4)


def test_amp_without_cuda_and_auto_scale_lr_without_a_base_batch_size_are_refused(monkeypatch, tmp_path):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(UserInputRuntimeError, match='--amp needs a CUDA GPU'):
        prepare_train_config(CONFIG, str(tmp_path), amp=True)
    without_auto_scale_lr = tmp_path / 'no_base_batch_size.py'
    without_auto_scale_lr.write_text(f"_base_ = '{osp.abspath(CONFIG)}'\nauto_scale_lr = dict(_delete_=True)\n")
    with pytest.raises(UserInputKeyError, match=r'--auto-scale-lr needs auto_scale_lr\.base_batch_size'):
        prepare_train_config(str(without_auto_scale_lr), str(tmp_path), auto_scale_lr=True)


def test_the_work_dir_defaults_to_work_dirs_and_the_config_name():
    cfg = prepare_train_config(CONFIG, resume='run/epoch_3.pth')
    assert cfg.work_dir == './work_dirs/td-reg_res18_tiny_wflw-64x64'
    assert cfg.resume is True and cfg.load_from == 'run/epoch_3.pth'


def test_test_options_write_curves_dumps_and_pictures_into_the_work_dir(tmp_path):
    cfg = prepare_test_config(CONFIG, str(tmp_path / 'run'), dump=str(tmp_path / 'faces.pkl'),
                              show_dir=str(tmp_path / 'vis'))
    assert cfg.load_from is None  # the tool loads the checkpoint itself
    assert cfg.test_evaluator.output_dir == str(tmp_path / 'run')
    assert cfg.test_evaluator.dump_file == str(tmp_path / 'faces.pkl')
    visualization = cfg.default_hooks.visualization
    assert visualization.enable is True and visualization.out_dir == str(tmp_path / 'vis')
    assert (tmp_path / 'run').is_dir()


def test_badcase_needs_its_hook_in_the_config(tmp_path):
    with pytest.raises(UserInputKeyError, match='--badcase needs default_hooks.badcase'):
        prepare_test_config(CONFIG, str(tmp_path), badcase=True, cfg_options={'default_hooks.badcase': None})
    cfg = prepare_test_config(CONFIG, str(tmp_path), badcase=True, cfg_options={
        'default_hooks.badcase': dict(type='BadCaseAnalysisHook', out_dir='badcase')})
    assert cfg.default_hooks.badcase.enable is True
    assert cfg.default_hooks.badcase.metric == cfg.model.head.loss  # metric_type 'loss' by default
