"""File helpers at the bottom of the package: all-or-nothing writes, image reading, hashing.

``write_atomically`` is used for checkpoints, converted annotations, metrics
and dumps: it writes a temporary file (``.NAME.XXXX.partial``) in the same
folder, flushes it to disk, then renames it over the target (atomic on
POSIX) and syncs the folder, so the previous file stays intact until the new
one is complete.
"""
import errno
import hashlib
import os
import os.path as osp
import tempfile

import cv2
import numpy as np

from mmpose_face.errors import CheckpointWriteError, ImageLoadError

PARTIAL_SUFFIX = '.partial'


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
    except BaseException as error:  # a full disk, and Ctrl-C: no temporary file stays behind
        if osp.exists(partial):
            os.remove(partial)
        if isinstance(error, OSError):
            raise _write_error(error, filepath) from None
        raise
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


def read_image_bgr(path: str) -> np.ndarray:
    """(H, W, 3) uint8 BGR, or :class:`ImageLoadError` naming the file and the reason."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise ImageLoadError(f'{path}: cannot read image ({error.strerror or error})') from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ImageLoadError(f'{path}: not a decodable image ({data.size} bytes)')
    return image


def sha256_file(path: str) -> str:
    """Hex SHA-256 of a file's content, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()
