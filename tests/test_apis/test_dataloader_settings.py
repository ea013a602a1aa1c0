"""Data loaders fitted to the machine: workers capped at the usable cores (said once), no pinning without an accelerator."""
import torch
from mmengine.config import Config

from mmpose_face.apis import dataloader_settings
from mmpose_face.apis.dataloader_settings import fit_dataloaders_to_machine, usable_cores
from mmpose_face.apis.runner_config import prepare_test_config

CONFIG = 'configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py'


def loaders(workers, pin_memory=True):
    return Config(dict(train_dataloader=dict(num_workers=workers, pin_memory=pin_memory),
                       val_dataloader=None, test_dataloader=dict(num_workers=1, pin_memory=pin_memory)))


def test_workers_are_capped_at_the_usable_cores_and_said_once(capsys, monkeypatch):
    monkeypatch.setattr(dataloader_settings, 'accelerator_available', lambda: False)
    cfg = loaders(8)
    message = fit_dataloaders_to_machine(cfg, 'x.py', cores=2)
    assert cfg.train_dataloader.num_workers == 2 and cfg.test_dataloader.num_workers == 1
    assert message == 'x.py: num_workers capped at the 2 CPU cores this process may use (the config asks ' \
                      'train_dataloader 8)'
    assert capsys.readouterr().out == message + '\n'
    assert cfg.train_dataloader.pin_memory is False and cfg.test_dataloader.pin_memory is False


def test_nothing_is_said_when_nothing_changes(capsys, monkeypatch):
    monkeypatch.setattr(dataloader_settings, 'accelerator_available', lambda: True)
    cfg = loaders(2)
    assert fit_dataloaders_to_machine(cfg, 'x.py', cores=4) == '' and capsys.readouterr().out == ''
    assert cfg.train_dataloader.num_workers == 2 and cfg.train_dataloader.pin_memory is True  # a GPU pins


def test_the_tools_configs_get_it(tmp_path, monkeypatch):
    monkeypatch.setattr(dataloader_settings, 'usable_cores', lambda: 1)
    cfg = prepare_test_config(CONFIG, work_dir=str(tmp_path))
    assert cfg.test_dataloader.num_workers == 1 and cfg.val_dataloader.num_workers == 1  # the config asks 2
    assert usable_cores() >= 1
    if not torch.cuda.is_available():
        assert not cfg.test_dataloader.get('pin_memory')
