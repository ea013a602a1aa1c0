"""mmengine's local file backend with all-or-nothing writes, for checkpoints.

mmengine saves checkpoints through its ``local`` file backend, which opens
the target and writes into it: a kill or a full disk mid-write leaves a
truncated file under the real name. :class:`AtomicLocalBackend` writes
through :func:`mmpose_face.fileio.write_atomically` instead. It is
registered under its own name, ``atomic_local``, and only this project's
:class:`~mmpose_face.engine.hooks.CheckpointHook` asks for it (its default
``backend_args``): importing mmpose_face changes no other file operation of
the process.

Before a checkpoint is written, the free space of its folder is checked
against twice its size (the all-or-nothing write keeps the previous file
until the new one is complete): a shortfall stops with the amount missing,
before any byte is written.
"""
import errno
import os.path as osp
import shutil

from mmengine.fileio import LocalBackend, register_backend

from mmpose_face.errors import CheckpointWriteError
from mmpose_face.fileio import write_atomically

BACKEND_NAME = 'atomic_local'


def _readable_size(size: int) -> str:
    return f'{size} bytes' if size < 2**20 else f'{size / 2**20:.1f} MiB'


def check_free_space(filepath: str, size: int) -> None:
    """Raise :class:`CheckpointWriteError` (ENOSPC) unless the folder of ``filepath``
    has ``2 * size`` bytes free, saying how much is missing."""
    folder = osp.dirname(osp.abspath(filepath))
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # no folder yet, or no statistics: the write itself reports
    needed = 2 * size
    if free < needed:
        raise CheckpointWriteError(
            errno.ENOSPC, f'{filepath}: not enough free space: writing it all-or-nothing needs twice its '
            f'{_readable_size(size)}, {_readable_size(needed)}; {_readable_size(free)} are free, {_readable_size(needed - free)} missing; nothing was '
            f'written')


class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath) -> None:
        check_free_space(str(filepath), len(obj))
        write_atomically(obj, str(filepath))

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        write_atomically(obj.encode(encoding), str(filepath))


def register() -> None:
    """Make ``backend_args=dict(backend='atomic_local')`` available (idempotent)."""
    register_backend(BACKEND_NAME, AtomicLocalBackend, force=True)
