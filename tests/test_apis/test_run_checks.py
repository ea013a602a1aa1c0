"""The tools' checks before a run (mmpose_face/apis/run_checks.py)."""
import pytest
import torch
from mmengine.config import Config

from mmpose_face.apis import run_checks
from mmpose_face.errors import ConfigError

CSPNEXT = 'tests/configs/td-reg_cspnext-t_tiny_wflw-32x32.py'


def test_syncbn_on_several_cpu_processes_is_refused_naming_the_setting_and_the_fix(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    monkeypatch.setenv('WORLD_SIZE', '2')
    cfg = Config.fromfile(CSPNEXT)
    cfg.launcher = 'pytorch'
    with pytest.raises(ConfigError, match=rf'^{CSPNEXT}: model.backbone.norm_cfg asks for SyncBN, which cannot train '
                                          r'on 2 CPU processes.*--cfg-options model.backbone.norm_cfg.type=BN'):
        run_checks.check_sync_batchnorm(cfg, CSPNEXT)
    cfg.merge_from_dict({'model.backbone.norm_cfg.type': 'BN'})  # the fix it names
    run_checks.check_sync_batchnorm(cfg, CSPNEXT)
    cfg.sync_bn = 'torch'  # mmengine's runner would convert BN to SyncBN
    with pytest.raises(ConfigError, match=r'sync_bn asks for SyncBN.*\(remove sync_bn\)'):
        run_checks.check_sync_batchnorm(cfg, CSPNEXT)


@pytest.mark.parametrize('launcher, world_size, cuda', [('none', '2', False), ('pytorch', '1', False),
                                                        ('pytorch', '2', True)])
def test_syncbn_passes_on_one_process_or_on_gpus(monkeypatch, launcher, world_size, cuda):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: cuda)
    monkeypatch.setenv('WORLD_SIZE', world_size)
    cfg = Config.fromfile(CSPNEXT)
    cfg.launcher = launcher
    run_checks.check_sync_batchnorm(cfg, CSPNEXT)
