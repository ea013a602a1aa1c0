"""File helpers at the bottom of the package: all-or-nothing writes, image reading, hashing.

``write_atomically`` is used for checkpoints, converted annotations, metrics
and dumps: it writes a temporary file (``.NAME.XXXX.partial``) in the same
folder, flushes it to disk, then renames it over the target (atomic on
POSIX) and syncs the folder, so the previous file stays intact until the new
one is complete.
"""
import errno
import hashlib
import io
import json
import math
import os
import os.path as osp
import struct
import tempfile
import warnings

import cv2
import numpy as np
from PIL import Image

from mmpose_face.errors import CheckpointWriteError, ImageLoadError, SettingError

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


def _null_for_nonfinite(value):
    """``value`` with every NaN / inf float (numbers nested in dicts and lists) replaced by None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _null_for_nonfinite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_null_for_nonfinite(item) for item in value]
    return value


def write_json_atomically(filepath: str, document, indent: int = None) -> None:
    """``document`` as standard JSON at ``filepath``, all or nothing.

    NaN and inf (e.g. the NME of a face whose prediction is not finite) are
    written as ``null``: Python's ``NaN`` / ``Infinity`` tokens are not JSON,
    and other readers (``jq``, browsers, pandas' strict mode) refuse them.
    """
    text = json.dumps(_null_for_nonfinite(document), indent=indent, allow_nan=False)
    write_atomically(text.encode('utf-8'), filepath)


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


# Images over this many pixels are refused from their header, before any decoding: 2**27 = 134,217,728
# (e.g. 11585 x 11585; 384 MiB as BGR). A crafted header claims billions (cv2 alone stops at 2**30,
# a 30000 x 30000 PNG still decodes to 2.5 GiB, 5.9 GB at peak). Raise it with the environment variable
# or ``LoadImage(max_image_pixels=...)``.
DEFAULT_MAX_IMAGE_PIXELS = 2**27
MAX_IMAGE_PIXELS_ENV = 'MMPOSE_FACE_MAX_IMAGE_PIXELS'


def max_image_pixels() -> int:
    """The pixel limit: ``MMPOSE_FACE_MAX_IMAGE_PIXELS`` when set (a positive integer), else the default."""
    value = os.environ.get(MAX_IMAGE_PIXELS_ENV, '').strip()
    if not value:
        return DEFAULT_MAX_IMAGE_PIXELS
    try:
        limit = int(value.replace('_', ''))
    except ValueError:
        limit = 0
    if limit <= 0:
        raise SettingError(f'{MAX_IMAGE_PIXELS_ENV}={value!r}: expected a positive whole number of pixels '
                           f'(the default is {DEFAULT_MAX_IMAGE_PIXELS})')
    return limit


def image_header_size(data: bytes):
    """(width, height) an encoded image's header claims, without decoding it; None when no Pillow
    plugin reads the header.

    Pillow's plugins are called as ``Image.open`` calls them, without its
    decompression-bomb check, which would hide the size claimed.
    """
    Image.init()
    prefix = data[:16]
    for format_id in Image.ID:
        factory, accept = Image.OPEN[format_id]
        if accept and not accept(prefix):
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                with factory(io.BytesIO(data), '') as image:
                    return image.size
        except (OSError, ValueError, SyntaxError, struct.error, IndexError, TypeError, EOFError, KeyError):
            continue  # not this format
    return None


def _too_large(path: str, size, limit: int) -> str:
    """Why the image is refused before decoding, or ''."""
    if size is None or size[0] * size[1] <= limit:
        return ''
    width, height = size
    return (f'{path}: the image header claims {width} x {height} = {width * height:,} pixels, over the limit of '
            f'{limit:,} pixels; refused before decoding. To read it, raise the limit: {MAX_IMAGE_PIXELS_ENV}=N '
            f'or LoadImage(max_image_pixels=N)')


def pixel_limit_refusal(path: str, data: bytes, max_pixels: int = None) -> str:
    """Why the encoded image ``data`` (read from ``path``) is refused before decoding, or ''.

    max_pixels: the limit; None reads :func:`max_image_pixels`."""
    limit = max_image_pixels() if max_pixels is None else max_pixels
    return _too_large(path, image_header_size(data) if data else None, limit)


def read_image_bgr(path: str, max_pixels: int = None) -> np.ndarray:
    """(H, W, 3) uint8 BGR, or :class:`ImageLoadError` naming the file and the reason.

    Args:
        path: the image file.
        max_pixels: refuse an image whose header claims more pixels, before
            decoding it; None reads :func:`max_image_pixels`.
    """
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise ImageLoadError(f'{path}: cannot read image ({error.strerror or error})') from None
    refusal = pixel_limit_refusal(path, data.tobytes(), max_pixels)
    if refusal:
        raise ImageLoadError(refusal)
    try:
        image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    except cv2.error as error:  # e.g. a header beyond cv2's own 2**30-pixel limit, in a format Pillow cannot read
        reason = str(error).strip().splitlines()[-1]
        raise ImageLoadError(f'{path}: not a decodable image ({reason})') from None
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
