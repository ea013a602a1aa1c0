"""The fixes of mmpose_face.compat, each shown on what it fixes."""
import sys

import torch
from mmengine.logging import MessageHub

import mmpose_face  # noqa: F401  (applies the fixes)
from mmpose_face import compat
from mmpose_face.engine.checkpoint_loading import safe_torch_load


def test_message_hub_state_loads_with_weights_only(tmp_path):
    hub = MessageHub.get_instance('compat_test')
    for value in (3.0, 1.0, 2.0):
        hub.update_scalar('train/loss', value)
    path = tmp_path / 'hub.pth'
    torch.save({'message_hub': hub.state_dict()}, path)
    # mmengine's HistoryBuffer pickled its statistics functions as getattr(...) calls
    from mmpose_face.engine.checkpoint_numpy import ADMITTED_NUMPY_GLOBALS
    needed = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    assert needed and set(needed) <= set(ADMITTED_NUMPY_GLOBALS)  # no getattr, no HistoryBuffer
    loaded = safe_torch_load(str(path))['message_hub']['log_scalars']['train/loss']
    assert loaded.mean() == 2.0 and loaded.min() == 1.0 and loaded.current() == 2.0


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
    """numpy is admitted only inside safe_torch_load, after the file was checked: a
    plain torch.load(weights_only=True) elsewhere in the process still refuses it."""
    import pickle

    import numpy as np
    path = tmp_path / 'meta.pth'
    torch.save({'flip': np.arange(3)}, path)
    try:
        torch.load(path, weights_only=True)
    except pickle.UnpicklingError as error:
        assert 'numpy' in str(error)
    else:
        raise AssertionError('a plain weights-only load accepted numpy')


def test_config_package_helpers_work_without_pkg_resources(monkeypatch):
    from mmengine.config import config as config_module
    monkeypatch.setitem(sys.modules, 'pkg_resources', None)  # as with setuptools >= 81
    assert config_module.is_installed('mmengine') and not config_module.is_installed('no_such_package_xyz')
    assert config_module.get_installed_path('mmengine').endswith('mmengine')


def test_cpu_launch_settings():
    from mmengine.dist import utils as dist_utils
    assert dist_utils._init_dist_pytorch is compat._init_dist_pytorch_anywhere
    assert compat.cpu_model_wrapper_cfg()['device_ids'] is None
