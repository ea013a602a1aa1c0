"""Loading checkpoints without running code from them.

Every checkpoint, local or downloaded, is read with
``torch.load(weights_only=True)``: tensors, plain containers, mmengine's
``HistoryBuffer`` and numpy's plain numeric arrays, dtypes and scalars, the
numpy part admitted only after a check of the file that runs none of it
(:mod:`.checkpoint_numpy`). A file that needs anything else is refused,
unless the user marks it trusted (``--trust-checkpoint`` in the tools,
``trusted=True`` in the API, or ``MMPOSE_FACE_TRUST_CHECKPOINTS=1``); a
trusted load that needs more than that warns, naming the file.

Released files carry the first 8+ hex digits of their SHA-256 in the name
(``deeppose_res50_wflw_256x256-92d0ba7f_20210303.pth``); such a file is
hashed and refused on mismatch before it is unpickled, unless the user
passes ``--skip-hash-check`` (``skip_hash_check=True``,
``MMPOSE_FACE_SKIP_HASH_CHECK=1``). A file that is empty, cut off or not a
PyTorch archive is named with the reason before torch reads it.
"""
import hashlib
import http.client
import os
import os.path as osp
import pickle
import re
import tempfile
import urllib.error
import urllib.request
import warnings
import zipfile
from collections import OrderedDict

import torch

from mmpose_face.engine.checkpoint_numpy import numpy_safe_globals, refusal_in_checkpoint
from mmpose_face.errors import (CheckpointDownloadError, CheckpointHashError,  # noqa: F401
                                CheckpointMismatchError, CheckpointReadError, SettingError,
                                UnsafeCheckpointError, UserInputKeyError)

TRUST_ENV = 'MMPOSE_FACE_TRUST_CHECKPOINTS'
SKIP_HASH_ENV = 'MMPOSE_FACE_SKIP_HASH_CHECK'
_YES, _NO = ('1', 'true', 'yes'), ('', '0', 'false', 'no', 'off')
# mmpose's released names: NAME-<8+ hex digits of the SHA-256>[_YYYYMMDD].pth
_HASH_IN_NAME = re.compile(r'-([0-9a-f]{8,64})(_\d{8})?\.[a-z]+$')


def flag_from_env(name: str) -> bool:
    """A yes/no environment variable: ``1``/``true``/``yes`` (any case) mean yes; unset,
    empty, ``0``/``false``/``no``/``off`` mean no; anything else is an error naming it."""
    value = os.environ.get(name, '').strip().lower()
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise SettingError(f'{name}={os.environ[name]!r} is not understood: set it to 1, true or yes to turn it '
                       f'on, or to 0, false, no or off (or unset it) to leave it off')


def trust_from_env() -> bool:
    return flag_from_env(TRUST_ENV)


def expected_hash_prefix(filename: str):
    """The hash prefix in a released file's name, or None.

    ``-<hex>`` with 8+ hex digits before the extension, optionally followed by
    ``_YYYYMMDD``; 8 decimal digits alone (``run-20261201.pth``) read as a date,
    not a hash.
    """
    match = _HASH_IN_NAME.search(osp.basename(filename))
    if match is None or (match.group(1).isdigit() and match.group(2) is None):
        return None
    return match.group(1)


def verify_hash_in_name(path: str, name: str = None, skip: bool = False) -> None:
    """Raise :class:`CheckpointHashError` if the content of ``path`` lacks the hash
    in its file name (or in ``name``, for a download still under a temporary name)."""
    name = name or path
    expected = expected_hash_prefix(name)
    if expected is None or skip:
        return
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    actual = digest.hexdigest()[:len(expected)]
    if actual != expected:
        raise CheckpointHashError(
            f'{name}: the name promises sha256 prefix {expected}, the file\'s is {actual}: it was changed or '
            f'renamed. If it is the file you mean, pass --skip-hash-check to the tool (skip_hash_check=True '
            f'to the API, or set {SKIP_HASH_ENV}=1); if it is a download, delete it and download it again.')


def archive_problem(path: str) -> str:
    """Why ``path`` is not a readable PyTorch file (zip archive or legacy pickle), or ''."""
    size = osp.getsize(path)
    if size == 0:
        return 'the file is empty (0 bytes)'
    with open(path, 'rb') as f:
        head = f.read(8)
    if head.startswith(b'PK'):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            return f'its zip archive is cut off or damaged ({error}; {size} bytes)'
        if not any(name.endswith('data.pkl') for name in names):
            return 'a zip archive without data.pkl, not a PyTorch checkpoint'
        return ''
    if head.startswith(b'\x80'):  # a pickle, protocol 2+: torch's legacy format
        return ''
    return f'not a PyTorch checkpoint (neither a zip archive nor a pickle: it starts with {head!r})'


def _refusal_reason(error: pickle.UnpicklingError) -> str:
    """What the weights-only unpickler refused, e.g. ``the global posix.system``."""
    message = re.sub(r'\x1b\[[0-9;]*m', '', str(error))
    refused = re.search(r'GLOBAL ([\w.]+)', message)
    if refused:
        return f'the global {refused.group(1)}'
    refused = re.search(r'refused (.*)', message)
    if refused:
        return refused.group(1).splitlines()[0].rstrip('.')
    paragraphs = [part.strip() for part in message.split('\n\n') if part.strip()]
    detail = paragraphs[1] if len(paragraphs) > 1 else paragraphs[0] if paragraphs else 'unknown content'
    return detail.splitlines()[-1].rstrip('.')


def _unsafe(path: str, reason: str) -> UnsafeCheckpointError:
    return UnsafeCheckpointError(
        f'{path}: refused to load: it needs {reason}, beyond tensors and the allow-listed types. The file may '
        f'be malicious: loading it could run code or corrupt memory. If you trust this file, pass '
        f'--trust-checkpoint to the tool, trusted=True to the API, or set {TRUST_ENV}=1.')


def _trusted_load(path: str, reason: str, map_location):
    warnings.warn(f'{path}: loading a trusted checkpoint with full unpickling (it needs {reason}); '
                  f'unpickling runs any code the file holds', stacklevel=3)
    return torch.load(path, map_location=map_location, weights_only=False)


def safe_torch_load(path: str, map_location='cpu', trusted: bool = None, skip_hash_check: bool = None,
                    mmap: bool = False):
    """``torch.load`` a local file with ``weights_only=True`` (hash checked first).

    Args:
        path: local file.
        map_location: as in :func:`torch.load`.
        trusted: allow arbitrary unpickling for a file the user trusts;
            ``None`` reads ``MMPOSE_FACE_TRUST_CHECKPOINTS``.
        skip_hash_check: load a file whose name promises another SHA-256;
            ``None`` reads ``MMPOSE_FACE_SKIP_HASH_CHECK``.
        mmap: map the tensors of a zip checkpoint instead of reading them
            (to look at a checkpoint's keys and meta cheaply).
    """
    path = osp.expanduser(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: checkpoint file not found')
    verify_hash_in_name(path, skip=flag_from_env(SKIP_HASH_ENV) if skip_hash_check is None else skip_hash_check)
    problem = archive_problem(path)
    if problem:
        raise CheckpointReadError(f'{path}: cannot be loaded: {problem}. Save it again, or download it again '
                                  f'if it was downloaded.')
    trusted = trust_from_env() if trusted is None else trusted
    refusal = refusal_in_checkpoint(path)
    if refusal:
        if not trusted:
            raise _unsafe(path, refusal)
        return _trusted_load(path, refusal, map_location)
    try:
        with torch.serialization.safe_globals(numpy_safe_globals()):
            return torch.load(path, map_location=map_location, weights_only=True,
                              mmap=mmap and zipfile.is_zipfile(path))
    except pickle.UnpicklingError as error:
        if not trusted:
            raise _unsafe(path, _refusal_reason(error)) from None
        return _trusted_load(path, _refusal_reason(error), map_location)
    except (EOFError, RuntimeError, ValueError, zipfile.BadZipFile) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointReadError(
            f'{path}: cannot be read ({reason}; {osp.getsize(path)} bytes): the file is cut off or damaged. '
            f'Save it again, or download it again if it was downloaded.') from None


def hub_checkpoint_dir() -> str:
    return osp.join(torch.hub.get_dir(), 'checkpoints')


def download_checkpoint(url: str, model_dir: str = None) -> str:
    """Fetch ``url`` into the torch hub cache (once) and return the local path.

    The download goes to a temporary file in the cache folder; only when all
    the bytes the server promised (``Content-Length``) arrived, the archive
    opens and the hash in the name matches is it renamed into place. On any
    failure the temporary file is deleted and the error says so. A cached
    file that does not open is named, with how to replace it.
    """
    model_dir = model_dir or hub_checkpoint_dir()
    target = osp.join(model_dir, osp.basename(url.split('?')[0]))
    if osp.isfile(target):
        problem = archive_problem(target)
        if problem:
            raise CheckpointReadError(
                f'{target}: the cached download of {url} cannot be loaded: {problem}. Delete it '
                f'(rm {target}) and run again to download it afresh, or put a good copy there.')
        return target
    os.makedirs(model_dir, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=model_dir, prefix='.' + osp.basename(target) + '.', suffix='.partial')
    received, promised = 0, None
    try:
        with os.fdopen(fd, 'wb') as out, urllib.request.urlopen(url, timeout=30) as response:
            length = getattr(response, 'headers', {}).get('Content-Length')
            promised = int(length) if length and length.isdigit() else None
            try:
                for block in iter(lambda: response.read(1 << 20), b''):
                    out.write(block)
                    received += len(block)
            except http.client.IncompleteRead as cut:
                out.write(cut.partial)
                received += len(cut.partial)
        if promised is not None and received != promised:
            raise CheckpointDownloadError(
                f'could not download {url}: the transfer stopped after {received} of the {promised} bytes '
                f'the server promised; the partial file was deleted and nothing was cached. Run again to retry.')
        problem = archive_problem(partial)
        if problem:
            raise CheckpointDownloadError(
                f'could not download {url}: what arrived ({received} bytes) is {problem.replace("the file is ", "")}; '
                f'it was deleted and nothing was cached.')
        verify_hash_in_name(partial, target)
        os.replace(partial, target)
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise CheckpointDownloadError(
            f'could not download {url}: {getattr(error, "reason", error)}. '
            f'This machine may be offline: fetch the file elsewhere and put it at '
            f'{target}, or pass its local path instead of the URL.') from None
    finally:
        if osp.exists(partial):
            os.remove(partial)
    return target


ZOO_SCHEMES = ('torchvision://', 'modelzoo://', 'open-mmlab://', 'openmmlab://', 'mmcls://')


def model_zoo_location(filename: str) -> str:
    """``torchvision://NAME`` (or ``modelzoo://``, ``open-mmlab://``, ``openmmlab://``,
    ``mmcls://``) -> the URL or local path mmengine's model lists give for it."""
    from mmengine.runner import checkpoint as mmengine_checkpoint
    scheme, name = filename.split('://', 1)
    if scheme in ('torchvision', 'modelzoo'):
        locations = mmengine_checkpoint.get_torchvision_models()
    elif scheme == 'mmcls':
        locations = mmengine_checkpoint.get_mmcls_models()
    else:
        locations = mmengine_checkpoint.get_external_models()
        name = mmengine_checkpoint.get_deprecated_model_names().get(name, name)
    if name not in locations:
        raise UserInputKeyError(f'{filename}: {scheme}:// has no weights named {name!r}')
    location = locations[name]
    if location.startswith(('http://', 'https://')):
        return location
    return osp.join(mmengine_checkpoint._get_mmengine_home(), location)


def load_checkpoint_file(filename: str, map_location='cpu', trusted: bool = None,
                         skip_hash_check: bool = None):
    """Load a checkpoint from a local path, an http(s) URL or a model-zoo name
    (``torchvision://resnet50`` ...), always through :func:`safe_torch_load`."""
    location = model_zoo_location(filename) if filename.startswith(ZOO_SCHEMES) else filename
    if location.startswith(('http://', 'https://')):
        location = download_checkpoint(location)
    checkpoint = safe_torch_load(location, map_location=map_location, trusted=trusted,
                                 skip_hash_check=skip_hash_check)
    if filename.startswith('mmcls://'):
        from mmengine.runner.checkpoint import _process_mmcls_checkpoint
        checkpoint = _process_mmcls_checkpoint(checkpoint)
    return checkpoint


def state_dict_of(checkpoint, filename: str = '') -> OrderedDict:
    """The parameter dict inside a checkpoint (mmengine, mmcv or a bare state dict)."""
    if not isinstance(checkpoint, dict):
        raise CheckpointMismatchError(f'{filename}: not a checkpoint (a {type(checkpoint).__name__})')
    state_dict = checkpoint.get('state_dict', checkpoint)
    return OrderedDict(
        (key[len('module.'):] if key.startswith('module.') else key, value)
        for key, value in state_dict.items())


def load_checkpoint(model: torch.nn.Module, filename: str, map_location='cpu',
                    trusted: bool = None, strict: bool = True, skip_hash_check: bool = None) -> dict:
    """Load weights into ``model``; any key or shape that does not fit is an error.

    Old-layout keys (mmpose 0.x ``keypoint_head.*``) are renamed by the
    model's own load hook. Returns the whole checkpoint (its ``meta`` holds
    ``dataset_meta`` when the runner saved it).
    """
    checkpoint = load_checkpoint_file(filename, map_location, trusted, skip_hash_check)
    state_dict = state_dict_of(checkpoint, filename)
    try:
        result = model.load_state_dict(state_dict, strict=False)
    except CheckpointMismatchError as error:
        raise CheckpointMismatchError(f'{filename}: {error}') from None
    if strict and (result.missing_keys or result.unexpected_keys):
        raise CheckpointMismatchError(
            f'{filename}: does not fit the model: missing keys '
            f'{result.missing_keys[:5]}{"..." if len(result.missing_keys) > 5 else ""}, '
            f'unexpected keys {result.unexpected_keys[:5]}'
            f'{"..." if len(result.unexpected_keys) > 5 else ""}')
    return checkpoint


def register_with_mmengine() -> None:
    """Route mmengine's local, http(s) and model-zoo schemes through the safe loader
    (mmengine's own loaders call ``torch.load`` without ``weights_only``; left are
    ``pavi://`` and ``s3://``, which need packages this project does not use)."""
    from mmengine.runner.checkpoint import CheckpointLoader

    def load_local(filename, map_location=None):
        return load_checkpoint_file(filename, map_location)

    def load_remote(filename, map_location=None, model_dir=None, progress=False):
        return safe_torch_load(download_checkpoint(filename, model_dir), map_location)

    CheckpointLoader.register_scheme(prefixes='', loader=load_local, force=True)
    CheckpointLoader.register_scheme(prefixes=('http://', 'https://'), loader=load_remote, force=True)
    CheckpointLoader.register_scheme(prefixes=ZOO_SCHEMES, loader=load_local, force=True)
