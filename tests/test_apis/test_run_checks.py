"""The checks a run passes before its runner is built, each failing at once with the file or option and
the reason: a config's syntax error, a work dir that cannot be written, optimizer numbers beyond float32,
a TensorBoard backend without its package, SyncBN on several CPU processes."""
import pytest
import torch
from mmengine.config import Config, ConfigDict

from mmpose_face.apis import run_checks
from mmpose_face.apis.run_checks import check_optimizer_values, check_vis_backends, check_work_dir, load_config
from mmpose_face.errors import ConfigError, WorkDirError

CSPNEXT = 'tests/configs/td-reg_cspnext-t_tiny_wflw-32x32.py'


def test_a_config_syntax_error_names_the_file_and_line(tmp_path):
    config = tmp_path / 'broken.py'
    config.write_text('model = dict(\n  type=\n')

    def prepare(path):
        compile(open(path).read(), path, 'exec')
    with pytest.raises(ConfigError, match=r'broken\.py:\d+: the config has a syntax error'):
        load_config(prepare, str(config))
    assert load_config(lambda path, scale: (path, scale), 'cfg.py', 2) == ('cfg.py', 2)


def test_the_work_dir_is_made_and_probed_and_leaves_nothing(tmp_path):
    check_work_dir(str(tmp_path / 'new' / 'run'))
    assert list((tmp_path / 'new' / 'run').iterdir()) == []


def test_a_file_in_place_of_the_work_dir_or_above_it_is_named(tmp_path):
    (tmp_path / 'taken').write_text('')
    with pytest.raises(WorkDirError, match=r'taken: cannot be used as the work dir: the work dir is a file'):
        check_work_dir(str(tmp_path / 'taken'))
    with pytest.raises(WorkDirError, match=r'taken, a folder above it, is a file'):
        check_work_dir(str(tmp_path / 'taken' / 'run'))


def test_a_full_disk_is_named_with_the_free_space(tmp_path, monkeypatch):
    def full(data, path):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(run_checks, 'write_atomically', full)
    with pytest.raises(WorkDirError, match=r'the disk is full; [\d.]+ MiB free'):
        check_work_dir(str(tmp_path / 'run'))


@pytest.mark.parametrize('optimizer, bad', [(dict(type='Adam', lr=1e40), r'lr=1e\+40'),
                                            (dict(type='Adam', lr=1e-3, betas=(0.9, float('nan'))), 'betas')])
def test_optimizer_numbers_beyond_float32_are_refused(optimizer, bad):
    with pytest.raises(ConfigError, match=rf'cfg\.py: optim_wrapper\.optimizer\.{bad}.*float32'):
        check_optimizer_values(ConfigDict(optim_wrapper=dict(optimizer=optimizer)), 'cfg.py')
    check_optimizer_values(ConfigDict(optim_wrapper=dict(optimizer=dict(type='Adam', lr=5e-4, amsgrad=True))),
                           'cfg.py')


def test_a_tensorboard_backend_needs_its_package(monkeypatch):
    cfg = ConfigDict(visualizer=dict(vis_backends=[dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]))
    monkeypatch.setattr(run_checks, '_package_available', lambda name: False)
    with pytest.raises(ConfigError, match='asks for TensorboardVisBackend, but the tensorboard package'):
        check_vis_backends(cfg, 'cfg.py')
    monkeypatch.setattr(run_checks, '_package_available', lambda name: True)
    check_vis_backends(cfg, 'cfg.py')


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
