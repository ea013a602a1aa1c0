"""The one place where mmpose_face adapts mmengine 0.10.7 to today's stack.

mmengine 0.10.7 is the newest release and breaks in three known ways on
torch >= 2.6 / setuptools >= 81 / CPU-only machines. Each fix below is
small, idempotent and applied once by :func:`apply` (called on
``import mmpose_face``):

1. ``torch.load`` defaults to ``weights_only=True`` since torch 2.6, and
   mmengine's own checkpoints hold ``HistoryBuffer`` objects and numpy
   arrays/scalars in their message hub. We allow-list ``HistoryBuffer``
   (:func:`torch.serialization.add_safe_globals`) instead of turning safety
   off, and route mmengine's local and http(s) checkpoint schemes through
   :mod:`mmpose_face.engine.checkpoint_loading`, which always loads with
   ``weights_only=True`` (mmengine's http loader would unpickle anything)
   and admits numpy's plain numeric dtypes, arrays and scalars only after a
   check of the file that runs none of it (a numpy dtype's pickled state
   can turn 8 bytes into a ``PyObject*``).
   ``HistoryBuffer.__getstate__`` also pickles its class-level statistics
   functions (``HistoryBuffer.min`` ...), which protocol 2 writes as
   ``getattr(HistoryBuffer, 'min')``; allowing ``getattr`` would allow
   anything, so new checkpoints leave those functions out (every
   ``HistoryBuffer`` gets them from its class anyway).
2. ``init_dist('pytorch')`` calls ``torch.cuda.set_device`` and uses the
   NCCL backend from the config: on a machine without CUDA it fails. We
   fall back to the gloo backend and skip the device selection there.
3. mmengine's package helpers (``is_installed``, ``get_installed_path``,
   used by ``Config`` for ``pkg::`` base configs) import ``pkg_resources``,
   which setuptools >= 81 no longer ships. We replace them with
   ``importlib.metadata`` equivalents.
"""
import importlib.metadata
import importlib.util
import os
import os.path as osp

import torch

_applied = False


def _history_buffer_state(buffer) -> dict:
    return {key: value for key, value in buffer.__dict__.items() if key != 'statistics_methods'}


def allow_mmengine_checkpoint_globals():
    """Allow-list mmengine's ``HistoryBuffer`` for every weights-only load (fix 1).

    numpy is not allow-listed here, for the whole process: its globals are
    admitted only inside ``safe_torch_load``, after a check of the file
    (:mod:`mmpose_face.engine.checkpoint_numpy`), so importing mmpose_face
    does not widen what a plain ``torch.load(weights_only=True)`` accepts.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_buffer_state
    torch.serialization.add_safe_globals([HistoryBuffer])


def _init_dist_pytorch_anywhere(backend, init_backend='torch', **kwargs):
    """mmengine's pytorch launcher, made to work without CUDA (fix 2)."""
    import torch.distributed as torch_dist
    if torch.cuda.is_available():
        return _original_init_dist_pytorch(backend, init_backend, **kwargs)
    torch_dist.init_process_group(
        backend='gloo',
        rank=int(os.environ['RANK']),
        world_size=int(os.environ['WORLD_SIZE']),
        **kwargs)


_original_init_dist_pytorch = None


def patch_init_dist_for_cpu():
    global _original_init_dist_pytorch
    from mmengine.dist import utils as dist_utils
    if _original_init_dist_pytorch is None:
        _original_init_dist_pytorch = dist_utils._init_dist_pytorch
        dist_utils._init_dist_pytorch = _init_dist_pytorch_anywhere


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


def patch_package_helpers():
    """Replace the ``pkg_resources`` based helpers that Config uses (fix 3)."""
    from mmengine.config import config as config_module
    config_module.is_installed = _is_installed
    config_module.get_installed_path = _get_installed_path


def apply():
    """Apply every fix once; safe to call again."""
    global _applied
    if _applied:
        return
    allow_mmengine_checkpoint_globals()
    patch_init_dist_for_cpu()
    patch_package_helpers()
    from mmpose_face.engine import atomic_file_backend, checkpoint_loading
    checkpoint_loading.register_with_mmengine()
    atomic_file_backend.register()  # not a fix: a named backend, used by our CheckpointHook only
    _applied = True
