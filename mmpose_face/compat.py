"""The one place where mmpose_face adapts mmengine 0.10.7 to today's stack, and when.

The rule: **importing mmpose_face changes nothing** in mmengine or torch.
The fixes below are applied only while mmpose_face's own entry points run,
by :func:`mmengine_fixes` (a context manager; nested uses share one
application, and leaving the outermost restores mmengine's own functions):

- :func:`mmpose_face.apis.build_runner`: the runner is built inside the
  fixes, and its ``train``, ``val`` and ``test`` run inside them;
- :func:`mmpose_face.apis.init_model` and ``prepare_train_config`` /
  ``prepare_test_config`` (``Config.fromfile``);
- the tools (``tools/train.py``, ``tools/test.py``, the demo and the
  exporter go through the two above), and the fast path (its loop runs
  inside ``build_runner``'s runner).

Code of your own that builds mmengine's ``Runner`` directly wraps its calls
in ``with mmengine_fixes(): ...``, or calls :func:`apply` once: the one
process-wide, documented way to make the fixes permanent.

mmengine 0.10.7 is the newest release and breaks in three known ways on
torch >= 2.6 / setuptools >= 81 / CPU-only machines (1-3), warns wrongly
in a fourth (4), knows a fifth, package-config lookup only for
OpenMMLab's own packages (5), and formats the same config again and again
(6):

1. ``torch.load`` defaults to ``weights_only=True`` since torch 2.6, and
   mmengine's own checkpoints hold ``HistoryBuffer`` objects and numpy
   arrays/scalars in their message hub. mmengine's local, http(s) and
   model-zoo checkpoint schemes are routed through
   :mod:`mmpose_face.engine.checkpoint_loading`, which always loads with
   ``weights_only=True`` (mmengine's http loader would unpickle anything),
   admitting ``HistoryBuffer`` and numpy's plain arrays for that load only,
   after a check of the file that runs none of it. The trust the user gave
   on the command line (``--trust-checkpoint``) is an argument of
   :func:`mmengine_fixes` that those loaders receive.
   ``HistoryBuffer.__getstate__`` also pickles its class-level statistics
   functions (``HistoryBuffer.min`` ...), which protocol 2 writes as
   ``getattr(HistoryBuffer, 'min')``; allowing ``getattr`` would allow
   anything, so checkpoints saved inside the fixes leave those functions
   out (every ``HistoryBuffer`` gets them from its class anyway).
2. ``init_dist('pytorch')`` calls ``torch.cuda.set_device`` and uses the
   NCCL backend from the config: on a machine without CUDA it fails. We
   fall back to the gloo backend and skip the device selection there.
3. mmengine's package helpers (``is_installed``, ``get_installed_path``,
   used by ``Config`` for ``pkg::`` base configs) import ``pkg_resources``,
   which setuptools >= 81 no longer ships. We use ``importlib.metadata``
   equivalents.
4. ``Registry.switch_scope_and_registry`` (every ``build`` with a
   ``_scope_``, and every layer mmcv builds inside it) imports
   ``<scope>.registry`` to put that scope's registries in the tree, even when
   they are there already. RTMPose configs build ``_scope_='mmdet'`` parts,
   which :mod:`mmpose_face.registry` provides in the ``mmdet`` scope when
   mmdet is not installed; the failed ``import mmdet.registry`` then logs
   "mmdet is not installed and its modules will not be registered" (and
   "Failed to import `None.registry`" for the layers inside), although the
   build finds our parts. We skip the import when the scope's registry is
   already in the tree (importing a registry module that was imported
   already would do nothing) and leave every other case to mmengine.
5. ``_base_ = 'mmpose_face::face_2d_keypoint/...'`` in a user's own config
   (anywhere on disk): mmengine resolves ``pkg::path`` only for the packages
   of its ``MODULE2PACKAGE`` table, and then only in the package's
   ``.mim/configs`` (where a wheel ships them; a checkout has them in the
   clone's ``configs/``). Inside the fixes, Config's ``pkg::`` lookup accepts
   ``mmpose_face`` and resolves its paths through
   :func:`mmpose_face.installation.find_config` (checkout or wheel alike).
   The table itself is left as it is: mmengine's registries read it too
   (a scope in it without ``locations`` is imported as ``<scope>.utils``,
   with a warning that the package is not installed).
   :func:`config_fromfile` reads a config inside the fixes.
6. ``Config.pretty_text`` runs yapf over the whole config text every time it
   is read: when the runner logs its config, in ``RuntimeInfoHook`` and at
   every checkpoint save. For mmpose's Face6 RTMPose configs (long keypoint
   mapping lists) one formatting takes 9-17 s on this project's CPU, so a
   run spent close to a minute before its first step and again at each
   saved checkpoint. Inside the fixes mmengine's ``FormatCode`` is
   memoised on its arguments: the same text in gives the same formatted text
   out, computed once.
"""
import contextlib
import functools
import importlib.metadata
import importlib.util
import os
import os.path as osp
import threading

import torch

_lock = threading.RLock()
_depth = 0
_saved = {}  # what mmengine had before the outermost mmengine_fixes
_loader_options = []  # (trusted, skip_hash_check) of each open mmengine_fixes, innermost last
_permanent = False
_FORMATTED_CONFIGS = 4  # fix 6: formatted texts kept (a run formats one config, a test a few)


def _history_buffer_state(buffer) -> dict:
    return {key: value for key, value in buffer.__dict__.items() if key != 'statistics_methods'}


def _init_dist_pytorch_anywhere(backend, init_backend='torch', **kwargs):
    """mmengine's pytorch launcher, made to work without CUDA (fix 2)."""
    import torch.distributed as torch_dist
    if torch.cuda.is_available():
        return _saved['_init_dist_pytorch'](backend, init_backend, **kwargs)
    torch_dist.init_process_group(
        backend='gloo',
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **kwargs)


@contextlib.contextmanager
def _switch_scope_and_registry_in_tree(self, scope):
    """``Registry.switch_scope_and_registry`` without importing ``<scope>.registry``
    when the scope's registry is already in the tree (fix 4)."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope(scope):
        default_scope = DefaultScope.get_current_instance()
        registry = None
        if default_scope is not None:
            registry = self._get_root_registry()._search_child(default_scope.scope_name)
        if registry is not None:
            yield registry
            return
    with _saved['switch_scope_and_registry'](self, scope) as registry:
        yield registry


def cpu_model_wrapper_cfg():
    """DDP wrapper settings for CPU processes: mmengine passes ``device_ids=[LOCAL_RANK]``,
    which DDP rejects for CPU modules."""
    return dict(type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False)


def _is_installed(package: str) -> bool:
    try:
        importlib.metadata.distribution(package)
        return True
    except importlib.metadata.PackageNotFoundError:
        return importlib.util.find_spec(package) is not None


def _get_installed_path(package: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise importlib.metadata.PackageNotFoundError(package)
    return osp.dirname(spec.origin)


def _our_package_path(package_path: str) -> bool:
    from mmpose_face.installation import PACKAGE_DIR
    return osp.realpath(package_path) == osp.realpath(PACKAGE_DIR)


def _package_and_cfg_path(cfg_path: str):
    """mmengine's split of ``pkg::path`` (fix 5), which refuses packages outside its table:
    ``mmpose_face::path`` is ours."""
    package, _, path = cfg_path.partition('::')
    if package == 'mmpose_face' and path and '::' not in path:
        return package, path
    return _saved['package_and_cfg_path'](cfg_path)


def _external_cfg_path(package_path: str, cfg_file: str) -> str:
    """mmengine's model-index lookup of a ``pkg::`` config (fix 5): ours has no model index,
    so a ValueError sends mmengine on to :func:`_external_cfg_base_path`, as for a base config."""
    if _our_package_path(package_path):
        raise ValueError(f'{cfg_file}: mmpose_face configs are found by path')
    return _saved['external_cfg_path'](package_path, cfg_file)


def _external_cfg_base_path(package_path: str, cfg_name: str) -> str:
    """``mmpose_face::cfg_name``: the shipped config (the clone's ``configs/`` in a checkout,
    the wheel's ``.mim/configs``); other packages as mmengine finds them (fix 5)."""
    if _our_package_path(package_path):
        from mmpose_face.installation import SCOPE_PREFIX, find_config
        return find_config(SCOPE_PREFIX + cfg_name)
    return _saved['external_cfg_base_path'](package_path, cfg_name)


def _current_loader_options():
    return _loader_options[-1] if _loader_options else (None, None)


def _scheme_loader(prefixes):
    """A loader for mmengine's ``CheckpointLoader`` that asks, when called, for the
    trust of the innermost open :func:`mmengine_fixes`."""
    def load(filename, *args, **kwargs):
        from mmpose_face.engine.checkpoint_loading import mmengine_scheme_loaders
        return mmengine_scheme_loaders(*_current_loader_options())[prefixes](filename, *args, **kwargs)
    return load


def _memoised_format_code(format_code):
    """``format_code`` (yapf's ``FormatCode``) remembering its last few results (fix 6)."""
    @functools.lru_cache(maxsize=_FORMATTED_CONFIGS)
    def formatted(text, style_items, verify):
        return format_code(text, style_config=dict(style_items), **({} if verify is None else dict(verify=verify)))

    @functools.wraps(format_code)
    def format_once(text, style_config=None, verify=None):
        return formatted(text, tuple(sorted((style_config or {}).items())), verify)
    return format_once


def _install():
    from mmengine.config import config as config_module
    from mmengine.dist import utils as dist_utils
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.registry import Registry
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmpose_face.engine.checkpoint_loading import mmengine_scheme_loaders
    _saved.update(
        getstate=HistoryBuffer.__dict__.get('__getstate__'), _init_dist_pytorch=dist_utils._init_dist_pytorch,
        is_installed=config_module.is_installed, get_installed_path=config_module.get_installed_path,
        schemes=CheckpointLoader._schemes.copy(), switch_scope_and_registry=Registry.switch_scope_and_registry,
        package_and_cfg_path=config_module._get_package_and_cfg_path,
        external_cfg_path=config_module._get_external_cfg_path,
        external_cfg_base_path=config_module._get_external_cfg_base_path, format_code=config_module.FormatCode)
    config_module.FormatCode = _memoised_format_code(config_module.FormatCode)  # fix 6
    Registry.switch_scope_and_registry = _switch_scope_and_registry_in_tree  # fix 4
    HistoryBuffer.__getstate__ = _history_buffer_state  # fix 1
    dist_utils._init_dist_pytorch = _init_dist_pytorch_anywhere  # fix 2
    config_module.is_installed = _is_installed  # fix 3
    config_module.get_installed_path = _get_installed_path
    config_module._get_package_and_cfg_path = _package_and_cfg_path  # fix 5
    config_module._get_external_cfg_path = _external_cfg_path
    config_module._get_external_cfg_base_path = _external_cfg_base_path
    for prefixes in mmengine_scheme_loaders():  # fix 1
        CheckpointLoader.register_scheme(prefixes=prefixes, loader=_scheme_loader(prefixes), force=True)


def _restore():
    from mmengine.config import config as config_module
    from mmengine.dist import utils as dist_utils
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.registry import Registry
    from mmengine.runner.checkpoint import CheckpointLoader
    Registry.switch_scope_and_registry = _saved['switch_scope_and_registry']
    if _saved['getstate'] is None:
        del HistoryBuffer.__getstate__
    else:
        HistoryBuffer.__getstate__ = _saved['getstate']
    dist_utils._init_dist_pytorch = _saved['_init_dist_pytorch']
    config_module.is_installed = _saved['is_installed']
    config_module.get_installed_path = _saved['get_installed_path']
    CheckpointLoader._schemes = _saved['schemes']
    config_module._get_package_and_cfg_path = _saved['package_and_cfg_path']
    config_module._get_external_cfg_path = _saved['external_cfg_path']
    config_module._get_external_cfg_base_path = _saved['external_cfg_base_path']
    config_module.FormatCode = _saved['format_code']
    _saved.clear()


@contextlib.contextmanager
def mmengine_fixes(trusted: bool = None, skip_hash_check: bool = None):
    """Apply the fixes for the duration of the ``with`` block.

    Args:
        trusted: what checkpoints loaded through mmengine inside the block may
            hold (see :func:`~mmpose_face.engine.checkpoint_loading.safe_torch_load`;
            ``None``: the ``MMPOSE_FACE_TRUST_CHECKPOINTS`` opt-in decides).
        skip_hash_check: load files whose name promises another SHA-256.
    """
    global _depth
    with _lock:
        if _depth == 0 and not _permanent:
            _install()
        _depth += 1
        _loader_options.append((trusted, skip_hash_check))
    try:
        yield
    finally:
        with _lock:
            _loader_options.pop()
            _depth -= 1
            if _depth == 0 and not _permanent:
                _restore()


def config_fromfile(config):
    """``Config.fromfile`` of a path or a shipped config's name (``mmpose_face::...`` or bare),
    read inside :func:`mmengine_fixes`, so that its ``_base_`` may name ``mmpose_face::`` configs
    (fix 5) from any folder. A :class:`~mmengine.config.Config` is returned as it is."""
    from mmengine.config import Config

    from mmpose_face.installation import find_config
    if isinstance(config, Config):
        return config
    with mmengine_fixes():
        return Config.fromfile(find_config(str(config)))


def with_fixes(function, trusted: bool = None, skip_hash_check: bool = None):
    """``function`` made to run inside :func:`mmengine_fixes` (for a runner's ``train`` ...)."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        with mmengine_fixes(trusted, skip_hash_check):
            return function(*args, **kwargs)
    return run


def runner_with_fixes(runner, trusted: bool = None, skip_hash_check: bool = None):
    """``runner`` whose ``train``, ``val`` and ``test`` run inside :func:`mmengine_fixes`."""
    for name in ('train', 'val', 'test'):
        setattr(runner, name, with_fixes(getattr(runner, name), trusted, skip_hash_check))
    return runner


def apply():
    """Apply every fix for the rest of the process (idempotent): the one process-wide
    call, for code that uses mmengine's ``Runner`` directly. Trust then comes from
    ``MMPOSE_FACE_TRUST_CHECKPOINTS`` alone."""
    global _permanent
    with _lock:
        if _permanent:
            return
        if _depth == 0:
            _install()
        _permanent = True
