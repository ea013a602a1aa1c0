"""One ONNX export per checkpoint, kept beside it and named by its SHA-256.

``{checkpoint}.{sha256[:16]}.{flip|noflip}.onnx`` is made once with
:func:`~mmpose_face.apis.onnx_export.export_onnx` (checked against PyTorch
when made), into a temporary name renamed into place when complete. A
changed checkpoint has another SHA-256, so its export is made again. When the
checkpoint's folder is not writable the file goes to ``cache_dir``
(default ``~/.cache/mmpose_face/onnx``).
"""
import os
import os.path as osp
import tempfile

from mmpose_face.fileio import sha256_file
from .onnx_export import export_onnx

DEFAULT_ONNX_CACHE_DIR = osp.join(osp.expanduser('~'), '.cache', 'mmpose_face', 'onnx')
HASH_DIGITS = 16


def onnx_export_name(checkpoint: str, flip_test: bool, digest: str = None) -> str:
    """File name (no folder) of the export of ``checkpoint``: ``{name}.{sha256[:16]}.{flip|noflip}.onnx``."""
    digest = digest or sha256_file(checkpoint)
    return f'{osp.basename(checkpoint)}.{digest[:HASH_DIGITS]}.{"flip" if flip_test else "noflip"}.onnx'


def _writable_folder(folder: str) -> bool:
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def cached_onnx_export(model, checkpoint: str, flip_test: bool, cache_dir: str = None) -> str:
    """Path of the ONNX export of ``model`` (loaded from ``checkpoint``), made now if missing.

    Args:
        model: from :func:`~mmpose_face.apis.inference.init_model` with ``checkpoint``.
        checkpoint: the weights file whose SHA-256 names the export.
        flip_test: export with the mirrored crop averaged in (see :func:`export_onnx`).
        cache_dir: where the export goes when the checkpoint's folder is not
            writable (default :data:`DEFAULT_ONNX_CACHE_DIR`).
    """
    name = onnx_export_name(checkpoint, flip_test)
    candidates = [osp.dirname(osp.abspath(checkpoint)), cache_dir or DEFAULT_ONNX_CACHE_DIR]
    for folder in candidates:
        if osp.isfile(osp.join(folder, name)):
            return osp.join(folder, name)
    folder = next((folder for folder in candidates if _writable_folder(folder)), None)
    if folder is None:
        raise PermissionError(f'{checkpoint}: no writable folder for its ONNX export (tried {", ".join(candidates)})')
    handle, partial = tempfile.mkstemp(prefix=f'.{name}.', suffix='.partial', dir=folder)
    os.close(handle)
    try:
        export_onnx(model, partial, flip_test=flip_test)
        os.replace(partial, osp.join(folder, name))
    finally:
        if osp.exists(partial):
            os.remove(partial)
    return osp.join(folder, name)
