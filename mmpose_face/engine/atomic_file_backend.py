"""Local file writes that are all-or-nothing, for checkpoints above all.

mmengine saves checkpoints through its ``local`` file backend, which opens
the target and writes into it: a kill or a full disk mid-write leaves a
truncated file under the real name. This backend replaces ``local``: it
writes a temporary file (``.NAME.XXXX.partial``) in the same folder, flushes
it to disk, then renames it over the target (atomic on POSIX) and syncs the
folder, so the previous file stays intact until the new one is complete.
``last_checkpoint`` is written the same way by
:class:`mmpose_face.engine.hooks.CheckpointHook`.
"""
import errno
import os
import os.path as osp
import tempfile

from mmengine.fileio import LocalBackend, register_backend

PARTIAL_SUFFIX = '.partial'


class CheckpointWriteError(OSError):
    """A file could not be written completely; the previous version is kept."""


def _sync_folder(folder: str) -> None:
    """Make a rename durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _file_mode(filepath: str) -> int:
    """An existing file's permissions, else the umask's default (mkstemp makes 0600)."""
    if osp.exists(filepath):
        return os.stat(filepath).st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(data: bytes, filepath: str) -> None:
    """Write ``data`` to ``filepath`` completely or not at all.

    Used for checkpoints, converted annotations, metrics and dumps. Raises
    :class:`CheckpointWriteError` naming the file and the reason (a full disk
    says so); no temporary file is left behind.
    """
    folder = osp.dirname(osp.abspath(filepath))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=folder, prefix='.' + osp.basename(filepath) + '.',
                                       suffix=PARTIAL_SUFFIX)
    except OSError as error:
        raise _write_error(error, filepath) from None
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(partial, _file_mode(filepath))
        os.replace(partial, filepath)
    except OSError as error:
        if osp.exists(partial):
            os.remove(partial)
        raise _write_error(error, filepath) from None
    _sync_folder(folder)


def _write_error(error: OSError, filepath: str) -> CheckpointWriteError:
    reason = 'the disk is full' if error.errno == errno.ENOSPC else (error.strerror or str(error))
    kept = 'its previous version is kept' if osp.exists(filepath) else 'nothing was written'
    return CheckpointWriteError(error.errno, f'{filepath}: could not be written ({reason}); {kept}')


def remove_partial_files(folder: str) -> list:
    """Remove the temporary files of writes that were killed; returns their names."""
    removed = []
    for name in os.listdir(folder):
        path = osp.join(folder, name)
        if name.startswith('.') and name.endswith(PARTIAL_SUFFIX) and osp.isfile(path):
            os.remove(path)
            removed.append(name)
    return removed


class AtomicLocalBackend(LocalBackend):
    """mmengine's local backend with atomic ``put`` and ``put_text``."""

    def put(self, obj: bytes, filepath) -> None:
        write_atomically(obj, str(filepath))

    def put_text(self, obj: str, filepath, encoding: str = 'utf-8') -> None:
        write_atomically(obj.encode(encoding), str(filepath))


def register() -> None:
    """Replace ``local`` by name *and* as the backend of paths without a prefix,
    which is how checkpoint paths reach it (``backend_args=None``)."""
    register_backend('local', AtomicLocalBackend, force=True, prefixes='')
