"""mmengine's local file backend with all-or-nothing writes, for checkpoints.

mmengine saves checkpoints through its ``local`` file backend, which opens
the target and writes into it: a kill or a full disk mid-write leaves a
truncated file under the real name. :class:`AtomicLocalBackend` writes
through :func:`mmpose_face.fileio.write_atomically` instead. It is
registered under its own name, ``atomic_local``, and only this project's
:class:`~mmpose_face.engine.hooks.CheckpointHook` asks for it (its default
``backend_args``): importing mmpose_face changes no other file operation of
the process.
"""
from mmengine.fileio import LocalBackend, register_backend

from mmpose_face.fileio import write_atomically

BACKEND_NAME = 'atomic_local'


class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath) -> None:
        write_atomically(obj, str(filepath))

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        write_atomically(obj.encode(encoding), str(filepath))


def register() -> None:
    """Make ``backend_args=dict(backend='atomic_local')`` available (idempotent)."""
    register_backend(BACKEND_NAME, AtomicLocalBackend, force=True)
