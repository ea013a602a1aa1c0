"""``--cfg-options`` values are checked against the settings they replace before anything
runs: one ``error:`` line naming the option, no traceback, nothing trained."""
import os
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from mmpose_face.apis.cli import check_cfg_option_types
from mmpose_face.errors import ConfigError

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-32x32.py')
sys.path.insert(0, osp.join(REPO, 'tests', 'test_engine'))
from test_checkpoint_loading import run_tool_in_process  # noqa: E402


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(SMALL_CONFIG)


@pytest.mark.parametrize('key,value,kind', [
    ('optim_wrapper.optimizer.lr', 'abc', 'a number'),
    ('train_cfg.val_interval', 'abc', 'a number'),
    ('train_cfg.max_epochs', 'abc', 'a number'),
    ('train_cfg.max_epochs', True, 'a number'),
    ('param_scheduler.1.gamma', 'x', 'a number'),
])
def test_a_value_of_another_kind_names_the_option(cfg, key, value, kind):
    with pytest.raises(ConfigError, match=f'^{SMALL_CONFIG}: --cfg-options {key}={value!r}: {key} must be {kind} '
                                          r'\(the config has .*\); nothing was run$'):
        check_cfg_option_types(cfg, {key: value}, SMALL_CONFIG)


def test_a_flag_must_stay_a_flag(cfg):
    cfg = cfg.copy()
    cfg.model.test_cfg.flip_test = False
    with pytest.raises(ConfigError, match='model.test_cfg.flip_test must be True or False'):
        check_cfg_option_types(cfg, {'model.test_cfg.flip_test': 'yes'}, SMALL_CONFIG)


@pytest.mark.parametrize('options', [
    {'optim_wrapper.optimizer.lr': 1e-3}, {'train_cfg.max_epochs': 2}, {'optim_wrapper.optimizer.lr': 1},
    {'model.backbone.init_cfg': None}, {'train_cfg.val_interval': None}, {'experiment_name': 'x'},
    {'a_new_key.inside': 'anything'}, {'train_dataloader.dataset.pipeline.0.type': 'LoadImage'},
])
def test_values_of_the_same_kind_new_keys_and_none_pass(cfg, options):
    check_cfg_option_types(cfg, options, SMALL_CONFIG)


@pytest.mark.parametrize('option', ['optim_wrapper.optimizer.lr=abc', 'train_cfg.val_interval=abc',
                                    'train_cfg.max_epochs=abc'])
def test_train_stops_before_training_with_one_line(option, tmp_path, monkeypatch, capsys):
    work = tmp_path / 'work'
    argv = [SMALL_CONFIG, '--work-dir', str(work), '--cfg-options', option]
    assert run_tool_in_process('train', argv, monkeypatch) == 1
    error = capsys.readouterr().err
    key = option.split('=')[0]
    assert error.startswith(f"error: {SMALL_CONFIG}: --cfg-options {key}='abc': {key} must be a number"), error
    assert 'Traceback' not in error
    assert not work.exists() or not any(name.endswith('.pth') for name in os.listdir(work))


def test_the_tool_ends_the_process_group_it_ran_in(tmp_path):
    """A rank's tool closes its (gloo) process group when it ends, error or not."""
    import torch.distributed as dist

    from mmpose_face.apis.cli import run_tool
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "store"}', rank=0, world_size=1)
    assert run_tool(lambda: None) == 0
    assert not dist.is_initialized()
