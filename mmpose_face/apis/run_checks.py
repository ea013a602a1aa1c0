"""Checks a training or test run passes before the runner is built, so that what
would fail minutes later, or in a traceback, fails at once with the file or
option and the reason.

- :func:`load_config`: a config with a syntax error names the file and line;
- :func:`check_work_dir`: the work dir can be written (a full disk would
  otherwise first show as logging tracebacks);
- :func:`check_optimizer_values`: optimizer numbers fit the parameters'
  float32 (``lr=1e40`` otherwise stops at the first step with "value cannot
  be converted to type float without overflow");
- :func:`check_vis_backends`: a TensorBoard backend has its package;
- :func:`check_sync_batchnorm`: SyncBN (RTMPose's configs) is not trained on
  several CPU processes, where torch's SyncBatchNorm raises at the first step.
"""
import errno
import math
import os
import os.path as osp
import shutil

from mmpose_face.errors import CheckpointWriteError, ConfigError, WorkDirError
from mmpose_face.fileio import write_atomically

FLOAT32_MAX = 3.4028234663852886e38
_PROBE_BYTES = 1 << 16


def load_config(prepare, config_path: str, *args, **kwargs):
    """``prepare(config_path, *args, **kwargs)`` (``prepare_train_config`` ...), with a
    syntax error in the config (or a base it names) as a :class:`ConfigError`."""
    try:
        return prepare(config_path, *args, **kwargs)
    except SyntaxError as error:
        named = error.filename if error.filename and osp.isfile(error.filename) else config_path
        where = f'{named}:{error.lineno}' if error.lineno else named
        detail = error.msg if error.lineno else str(error)
        raise ConfigError(f'{where}: the config has a syntax error: {detail}') from None


def check_work_dir(work_dir: str) -> None:
    """Create ``work_dir`` and write (then remove) a 64 KiB file in it, or raise
    :class:`WorkDirError` naming the folder and the reason: a file in its place,
    no permission, or a full disk (then with the free space)."""
    blocking = _file_in_the_way(work_dir)
    if blocking:
        what = 'the work dir' if osp.abspath(blocking) == osp.abspath(work_dir) else f'{blocking}, a folder above it,'
        raise WorkDirError(f'{work_dir}: cannot be used as the work dir: {what} is a file, not a folder. Pass '
                           f'another --work-dir, or move the file away.')
    probe = osp.join(work_dir, f'.write_probe.{os.getpid()}')
    try:
        os.makedirs(work_dir, exist_ok=True)
        write_atomically(b'\0' * _PROBE_BYTES, probe)
    except (OSError, CheckpointWriteError) as error:
        if error.errno != errno.ENOSPC:
            raise WorkDirError(f'{work_dir}: cannot write in the work dir '
                               f'({getattr(error, "strerror", "") or error}). Pass another --work-dir.') from None
        try:
            free = f'{shutil.disk_usage(work_dir).free / 2**20:.1f} MiB free'
        except OSError:
            free = 'free space unknown'
        raise WorkDirError(f'{work_dir}: cannot write in the work dir (the disk is full; {free}). Free space or '
                           f'pass another --work-dir.') from None
    finally:
        if osp.exists(probe):
            os.remove(probe)


def _file_in_the_way(work_dir: str):
    """``work_dir`` or the nearest existing folder above it, when that is not a folder; else None."""
    path = osp.abspath(work_dir)
    while not osp.exists(path):
        parent = osp.dirname(path)
        if parent == path:
            return None
        path = parent
    return None if osp.isdir(path) else path


def _numbers(value):
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [value]
    if isinstance(value, (list, tuple)):
        return [number for item in value for number in _numbers(item)]
    return []


def check_optimizer_values(cfg, config_path: str) -> None:
    """Every number of ``optim_wrapper.optimizer`` (lr, weight_decay, betas, eps ...)
    is finite and fits in float32, the parameters' type."""
    optimizer = (cfg.get('optim_wrapper') or {}).get('optimizer') or {}
    for key, value in optimizer.items():
        for number in _numbers(value):
            if not math.isfinite(number) or abs(number) > FLOAT32_MAX:
                raise ConfigError(
                    f'{config_path}: optim_wrapper.optimizer.{key}={value!r} cannot be used: the parameters are '
                    f'float32, whose values are finite and at most {FLOAT32_MAX:.3g} in size')


def _package_available(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def check_vis_backends(cfg, config_path: str) -> None:
    """A ``TensorboardVisBackend`` in ``visualizer.vis_backends`` needs the tensorboard package."""
    backends = (cfg.get('visualizer') or {}).get('vis_backends') or []
    for backend in backends:
        kind = str(backend.get('type', '')) if isinstance(backend, dict) else ''
        if 'tensorboard' in kind.lower() and not _package_available('tensorboard'):
            raise ConfigError(
                f'{config_path}: visualizer.vis_backends asks for {kind}, but the tensorboard package is not '
                f'installed: pip install tensorboard, or remove {kind} from vis_backends')


def _sync_batchnorm_settings(cfg, where: str):
    """Where a config's model asks for SyncBN: ``model.backbone.norm_cfg`` ..."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'SyncBN':
            yield where
        for key, value in cfg.items():
            yield from _sync_batchnorm_settings(value, f'{where}.{key}')
    elif isinstance(cfg, (list, tuple)):
        for i, item in enumerate(cfg):
            yield from _sync_batchnorm_settings(item, f'{where}.{i}')


def check_sync_batchnorm(cfg, config_path: str) -> None:
    """SyncBN cannot train on several CPU processes: torch's SyncBatchNorm synchronises
    GPU tensors only (``ValueError: SyncBatchNorm expected input tensor to be on GPU``
    at the first step). On one process mmengine's runner makes it BatchNorm, so only
    a distributed launch (``WORLD_SIZE`` > 1) without CUDA is refused, naming the setting."""
    import torch
    world_size = os.environ.get('WORLD_SIZE', '1')
    if cfg.get('launcher', 'none') == 'none' or not world_size.isdigit() or int(world_size) < 2:
        return
    if torch.cuda.is_available():
        return
    settings = list(_sync_batchnorm_settings(cfg.get('model'), 'model'))
    if cfg.get('sync_bn'):
        settings.append('sync_bn')
    if settings:
        fix = ' '.join(f'{where}.type=BN' for where in settings if where != 'sync_bn')
        raise ConfigError(
            f'{config_path}: {settings[0]} asks for SyncBN, which cannot train on {world_size} CPU processes: '
            f"torch's SyncBatchNorm synchronises GPU tensors only. Train with BatchNorm in each process"
            + (f' (--cfg-options {fix})' if fix else ' (remove sync_bn)')
            + ', on GPUs, or on one process (where SyncBN is BatchNorm)')
