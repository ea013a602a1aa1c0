"""Local file writes that are all-or-nothing, for checkpoints above all.

mmengine saves checkpoints (and ``last_checkpoint``) through its ``local``
file backend, which opens the target and writes into it: a kill or a full
disk mid-write leaves a truncated file under the real name. This backend
replaces ``local``: it writes a temporary file in the same folder, flushes
it to disk, then renames it over the target (atomic on POSIX), so the
previous file stays intact until the new one is complete.
"""
import errno
import os
import os.path as osp
import tempfile

from mmengine.fileio import LocalBackend, register_backend


class CheckpointWriteError(OSError):
    """A file could not be written completely; the previous version is kept."""


def write_atomically(data: bytes, filepath: str) -> None:
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=folder, prefix='.' + osp.basename(filepath) + '.', suffix='.partial')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(partial, filepath)
    except OSError as error:
        if osp.exists(partial):
            os.remove(partial)
        reason = 'the disk is full' if error.errno == errno.ENOSPC else (error.strerror or str(error))
        kept = 'the previous version is kept' if osp.exists(filepath) else 'nothing was written'
        raise CheckpointWriteError(error.errno, f'{filepath}: could not be written ({reason}); {kept}') from None


class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath) -> None:
        write_atomically(obj, str(filepath))

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        write_atomically(obj.encode(encoding), str(filepath))


def register() -> None:
    register_backend('local', AtomicLocalBackend, force=True)
