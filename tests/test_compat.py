"""The fixes of mmpose_face.compat, each shown on what it fixes, and the rule that
importing mmpose_face changes nothing in mmengine or torch."""
import os
import subprocess
import sys
import textwrap

import torch
from mmengine.logging import MessageHub

from mmpose_face import compat
from mmpose_face.engine.checkpoint_loading import safe_torch_load

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# What a process's mmengine and torch look like: printed before and after importing every
# mmpose_face module, in a fresh interpreter (no test has applied anything there).
_STATE_OF_MMENGINE = textwrap.dedent('''
    def state():
        import torch
        from mmengine.config import config as config_module
        from mmengine.dist import utils as dist_utils
        from mmengine.fileio.backends import registry_utils
        from mmengine.logging.history_buffer import HistoryBuffer
        from mmengine.registry import Registry
        from mmengine.runner.checkpoint import CheckpointLoader
        return {
            'Registry.switch_scope_and_registry': Registry.switch_scope_and_registry.__module__,
            'checkpoint loaders': {prefix: (loader.__module__, loader.__qualname__)
                                   for prefix, loader in CheckpointLoader._schemes.items()},
            'HistoryBuffer.__getstate__': HistoryBuffer.__dict__['__getstate__'].__module__,
            'init_dist pytorch': dist_utils._init_dist_pytorch.__module__,
            'Config is_installed': config_module.is_installed.__module__,
            'Config get_installed_path': config_module.get_installed_path.__module__,
            'Config pkg:: lookup': (config_module._get_external_cfg_path.__module__,
                                    config_module._get_external_cfg_base_path.__module__),
            'Config pkg:: split': config_module._get_package_and_cfg_path.__module__,
            'Config FormatCode': config_module.FormatCode.__module__,
            'Config packages': sorted(config_module._get_package_and_cfg_path.__globals__['MODULE2PACKAGE']),
            'file backends': sorted(registry_utils.backends),
            'torch safe globals': sorted(map(str, torch.serialization.get_safe_globals())),
            'torch.load': torch.load.__module__,
        }
''')


def test_importing_every_module_leaves_mmengine_and_torch_as_they_were():
    script = _STATE_OF_MMENGINE + textwrap.dedent('''
        import importlib, pkgutil, sys
        before = state()
        import mmpose_face
        imported = []
        for module in pkgutil.walk_packages(mmpose_face.__path__, 'mmpose_face.'):
            try:
                importlib.import_module(module.name)
                imported.append(module.name)
            except ImportError as error:  # an optional extra that is not installed
                print('skipped', module.name, error, file=sys.stderr)
        after = state()
        changed = {key: (before[key], after[key]) for key in before if before[key] != after[key]}
        assert before['checkpoint loaders'][''][0].startswith('mmengine.'), before
        assert not changed, changed
        print(len(imported))
    ''')
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, cwd=REPO,
                            env=dict(os.environ, PYTHONPATH=REPO))
    assert result.returncode == 0, result.stderr[-3000:]
    assert int(result.stdout.split()[-1]) > 100  # every module, errors included


def test_the_fixes_apply_inside_the_context_and_are_undone_after_it():
    from mmengine.config import config as config_module
    from mmengine.dist import utils as dist_utils
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.registry import Registry
    from mmengine.runner.checkpoint import CheckpointLoader
    from mmengine.config import utils as config_utils
    before = (dict(CheckpointLoader._schemes), HistoryBuffer.__dict__.get('__getstate__'),
              dist_utils._init_dist_pytorch, config_module.is_installed, config_module.get_installed_path,
              Registry.switch_scope_and_registry, config_module._get_external_cfg_base_path,
              config_module._get_package_and_cfg_path, dict(config_utils.MODULE2PACKAGE), config_module.FormatCode)
    with compat.mmengine_fixes():
        with compat.mmengine_fixes(trusted=True):  # nested: one application, the inner trust
            assert compat._current_loader_options() == (True, None)
        assert dist_utils._init_dist_pytorch is compat._init_dist_pytorch_anywhere
        assert config_module.is_installed is compat._is_installed
        assert Registry.switch_scope_and_registry is compat._switch_scope_and_registry_in_tree
        assert CheckpointLoader._get_checkpoint_loader('x.pth').__module__ == 'mmpose_face.compat'
        assert CheckpointLoader._get_checkpoint_loader('https://h/x.pth').__module__ == 'mmpose_face.compat'
        assert config_module._get_package_and_cfg_path('mmpose_face::_base_/x.py') == ('mmpose_face', '_base_/x.py')
        assert 'mmpose_face' not in config_utils.MODULE2PACKAGE  # registries read it: left alone
    after = (dict(CheckpointLoader._schemes), HistoryBuffer.__dict__.get('__getstate__'),
             dist_utils._init_dist_pytorch, config_module.is_installed, config_module.get_installed_path,
             Registry.switch_scope_and_registry, config_module._get_external_cfg_base_path,
             config_module._get_package_and_cfg_path, dict(config_utils.MODULE2PACKAGE), config_module.FormatCode)
    assert after == before


def test_message_hub_state_saved_inside_the_fixes_loads_with_weights_only(tmp_path):
    hub = MessageHub.get_instance('compat_test')
    for value in (3.0, 1.0, 2.0):
        hub.update_scalar('train/loss', value)
    path = tmp_path / 'hub.pth'
    with compat.mmengine_fixes():
        torch.save({'message_hub': hub.state_dict()}, path)
    # mmengine's HistoryBuffer pickles its statistics functions as getattr(...) calls
    from mmpose_face.engine.checkpoint_numpy import ADMITTED_NUMPY_GLOBALS
    needed = set(torch.serialization.get_unsafe_globals_in_checkpoint(str(path)))
    assert needed and needed <= set(ADMITTED_NUMPY_GLOBALS) | {'mmengine.logging.history_buffer.HistoryBuffer'}
    loaded = safe_torch_load(str(path))['message_hub']['log_scalars']['train/loss']
    assert loaded.mean() == 2.0 and loaded.min() == 1.0 and loaded.current() == 2.0
    torch.save({'message_hub': hub.state_dict()}, tmp_path / 'outside.pth')  # mmengine's own pickling again
    assert 'builtins.getattr' in torch.serialization.get_unsafe_globals_in_checkpoint(str(tmp_path / 'outside.pth'))


def test_numpy_arrays_and_scalars_load_with_weights_only(tmp_path):
    import numpy as np
    path = tmp_path / 'meta.pth'
    torch.save({'best_score': np.float64(0.0488), 'colors': np.zeros((0, 3), np.uint8),
                'flip': np.arange(98)}, path)
    loaded = safe_torch_load(str(path))
    assert loaded['best_score'] == 0.0488 and loaded['colors'].shape == (0, 3)
    assert (loaded['flip'] == np.arange(98)).all()
    assert loaded['colors'].dtype == np.uint8 and type(loaded['flip']) is np.ndarray


def test_importing_mmpose_face_does_not_widen_plain_weights_only_loads(tmp_path):
    """numpy and HistoryBuffer are admitted only inside safe_torch_load, after the file was
    checked: a plain torch.load(weights_only=True) elsewhere in the process still refuses them."""
    import pickle

    import numpy as np
    path = tmp_path / 'meta.pth'
    torch.save({'flip': np.arange(3)}, path)
    safe_torch_load(str(path))
    try:
        torch.load(path, weights_only=True)
    except pickle.UnpicklingError as error:
        assert 'numpy' in str(error)
    else:
        raise AssertionError('a plain weights-only load accepted numpy')


def test_config_package_helpers_work_without_pkg_resources(monkeypatch):
    from mmengine.config import config as config_module
    monkeypatch.setitem(sys.modules, 'pkg_resources', None)  # as with setuptools >= 81
    with compat.mmengine_fixes():
        assert config_module.is_installed('mmengine') and not config_module.is_installed('no_such_package_xyz')
        assert config_module.get_installed_path('mmengine').endswith('mmengine')


WFLW_SOFTWING = 'face_2d_keypoint/topdown_regression/wflw/td-reg_res50_softwingloss_8xb64-210e_wflw-256x256.py'
USER_CONFIG = f"_base_ = 'mmpose_face::{WFLW_SOFTWING}'\ntrain_cfg = dict(max_epochs=3)\n"
USER_RUNTIME = '''_base_ = ['mmpose_face::_base_/default_runtime.py']
'''


def test_a_users_config_anywhere_takes_mmpose_face_bases_inside_the_fixes(tmp_path, monkeypatch):
    """Fix 4: mmengine knows ``pkg::`` bases only for OpenMMLab's packages, in their ``.mim``."""
    from mmengine.config import Config
    (tmp_path / 'my_wflw.py').write_text(USER_CONFIG)
    (tmp_path / 'my_runtime.py').write_text(USER_RUNTIME)
    monkeypatch.chdir(tmp_path)  # outside the checkout: the bases come from the package
    cfg = compat.config_fromfile(str(tmp_path / 'my_wflw.py'))
    assert cfg.train_cfg.max_epochs == 3 and cfg.model.head.loss.type == 'SoftWingLoss'
    assert cfg.default_scope == 'mmpose_face'  # from the base's own _base_ (default_runtime)
    runtime = compat.config_fromfile(str(tmp_path / 'my_runtime.py'))
    assert runtime.default_hooks.checkpoint.type == 'CheckpointHook'
    try:  # outside the fixes, mmengine's own lookup: the same file does not load
        Config.fromfile(str(tmp_path / 'my_wflw.py'))
    except AssertionError as error:
        assert 'mmpose_face' in str(error)
    else:
        raise AssertionError('mmengine loaded an mmpose_face:: base without the fixes')


def test_the_tools_entry_point_reads_a_users_config_with_mmpose_face_bases(tmp_path, monkeypatch):
    from mmpose_face.apis import prepare_train_config
    (tmp_path / 'my_wflw.py').write_text(USER_CONFIG)
    monkeypatch.chdir(tmp_path)
    cfg = prepare_train_config(str(tmp_path / 'my_wflw.py'), str(tmp_path / 'run'))
    assert cfg.train_cfg.max_epochs == 3 and cfg.work_dir == str(tmp_path / 'run')


def test_cpu_launch_settings():
    from mmengine.dist import utils as dist_utils
    with compat.mmengine_fixes():
        assert dist_utils._init_dist_pytorch is compat._init_dist_pytorch_anywhere
    assert dist_utils._init_dist_pytorch is not compat._init_dist_pytorch_anywhere
    assert compat.cpu_model_wrapper_cfg()['device_ids'] is None


def test_a_runner_from_build_runner_runs_inside_the_fixes(tmp_path):
    """build_runner's runner trains with the fixes (its checkpoints leave HistoryBuffer's
    functions out), and mmengine is its own again once train() returns."""
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmpose_face.apis import build_runner, prepare_train_config
    config = os.path.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-32x32.py')
    cfg = prepare_train_config(config, str(tmp_path), cfg_options={'train_cfg.max_epochs': 1}, no_validate=True)
    loaders = dict(CheckpointLoader._schemes)
    build_runner(cfg).train()
    assert dict(CheckpointLoader._schemes) == loaders
    saved = str(tmp_path / 'epoch_1.pth')
    assert 'builtins.getattr' not in torch.serialization.get_unsafe_globals_in_checkpoint(saved)
    assert safe_torch_load(saved)['meta']['epoch'] == 1


def test_a_config_is_formatted_once_inside_the_fixes_and_to_the_same_text(monkeypatch):
    """Fix 6: mmengine reformats ``pretty_text`` with yapf at every read (log, runtime info,
    each checkpoint); inside the fixes the same text is formatted once, to mmengine's result."""
    from mmengine.config import Config
    from mmengine.config import config as config_module
    yapf_format = config_module.FormatCode
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return yapf_format(*args, **kwargs)
    monkeypatch.setattr(config_module, 'FormatCode', counting)
    config = Config(dict(model=dict(type='TopdownPoseEstimator', backbone=dict(type='ResNet', depth=18)),
                         mapping=[(i, i) for i in range(40)]))
    expected = config.pretty_text
    assert len(calls) == 1
    with compat.mmengine_fixes():
        texts = [config.pretty_text for _ in range(3)]
        config.merge_from_dict({'model.backbone.depth': 50})
        changed = config.pretty_text
    assert texts == [expected] * 3 and 'depth=50' in changed and 'depth=50' not in expected
    assert len(calls) == 3  # once for the first text, once for the changed one
    assert config_module.FormatCode is counting  # undone on leaving
