"""Loading checkpoints without running code from them.

Every checkpoint, local or downloaded, is read with
``torch.load(weights_only=True)``: tensors, plain containers and an explicit
allow-list (mmengine's ``HistoryBuffer``, numpy arrays and scalars, see
:mod:`mmpose_face.compat`). A file that needs anything else is refused,
unless the user marks it trusted (``--trust-checkpoint`` in the tools,
``trusted=True`` in the API, or ``MMPOSE_FACE_TRUST_CHECKPOINTS=1``).

Released files carry the first 8+ hex digits of their SHA-256 in the name
(``deeppose_res50_wflw_256x256-92d0ba7f_20210303.pth``); such a file is
hashed and refused on mismatch before it is unpickled.
"""
import hashlib
import os
import os.path as osp
import pickle
import re
import tempfile
import urllib.error
import urllib.request
from collections import OrderedDict

import torch

from mmpose_face.errors import CheckpointHashError, CheckpointMismatchError, UnsafeCheckpointError  # noqa: F401

TRUST_ENV = 'MMPOSE_FACE_TRUST_CHECKPOINTS'
_HASH_IN_NAME = re.compile(r'-([0-9a-f]{8,64})(?:_\d{8})?\.[a-z]+$')








def trust_from_env() -> bool:
    return os.environ.get(TRUST_ENV, '') not in ('', '0', 'false', 'False')


def expected_hash_prefix(filename: str):
    """The hash prefix in a released file's name, or None."""
    match = _HASH_IN_NAME.search(osp.basename(filename))
    return match.group(1) if match else None


def verify_hash_in_name(path: str, name: str = None) -> None:
    """Raise :class:`CheckpointHashError` if the content of ``path`` lacks the hash
    in its file name (or in ``name``, for a download still under a temporary name)."""
    name = name or path
    expected = expected_hash_prefix(name)
    if expected is None:
        return
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    actual = digest.hexdigest()
    if not actual.startswith(expected):
        raise CheckpointHashError(
            f'{name}: SHA-256 {actual[:len(expected)]}... does not match the hash '
            f'{expected} in its name; the file is corrupt or not the released one. '
            'Delete it and download it again.')


def _refusal_reason(error: pickle.UnpicklingError) -> str:
    """What the weights-only unpickler refused, e.g. ``the global posix.system``."""
    message = re.sub(r'\x1b\[[0-9;]*m', '', str(error))
    refused = re.search(r'GLOBAL ([\w.]+)', message)
    if refused:
        return f'the global {refused.group(1)}'
    paragraphs = [part.strip() for part in message.split('\n\n') if part.strip()]
    detail = paragraphs[1] if len(paragraphs) > 1 else paragraphs[0] if paragraphs else 'unknown content'
    return detail.splitlines()[-1].rstrip('.')


def safe_torch_load(path: str, map_location='cpu', trusted: bool = None):
    """``torch.load`` a local file with ``weights_only=True`` (hash checked first).

    Args:
        path: local file.
        map_location: as in :func:`torch.load`.
        trusted: allow arbitrary unpickling for a file the user trusts;
            ``None`` reads ``MMPOSE_FACE_TRUST_CHECKPOINTS``.
    """
    path = osp.expanduser(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: checkpoint file not found')
    verify_hash_in_name(path)
    trusted = trust_from_env() if trusted is None else trusted
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if not trusted:
            raise UnsafeCheckpointError(
                f'{path}: refused to load: it needs {_refusal_reason(error)}, beyond tensors and the '
                f'allow-listed types. Loading it could run code. If you trust this file, pass '
                f'--trust-checkpoint to the tool, trusted=True to the API, or set {TRUST_ENV}=1.') from None
    return torch.load(path, map_location=map_location, weights_only=False)


def hub_checkpoint_dir() -> str:
    return osp.join(torch.hub.get_dir(), 'checkpoints')


def download_checkpoint(url: str, model_dir: str = None) -> str:
    """Fetch ``url`` into the torch hub cache (once) and return the local path.

    The download goes to a temporary file that is hash-checked and then
    renamed, so an interrupted download never leaves a usable-looking file.
    """
    model_dir = model_dir or hub_checkpoint_dir()
    target = osp.join(model_dir, osp.basename(url.split('?')[0]))
    if osp.isfile(target):
        return target
    os.makedirs(model_dir, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=model_dir, suffix='.partial')
    try:
        with os.fdopen(fd, 'wb') as out, urllib.request.urlopen(url, timeout=30) as response:
            for block in iter(lambda: response.read(1 << 20), b''):
                out.write(block)
        verify_hash_in_name(partial, target)
        os.replace(partial, target)
    except (urllib.error.URLError, OSError) as error:
        raise RuntimeError(
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
        raise KeyError(f'{filename}: {scheme}:// has no weights named {name!r}')
    location = locations[name]
    if location.startswith(('http://', 'https://')):
        return location
    return osp.join(mmengine_checkpoint._get_mmengine_home(), location)


def load_checkpoint_file(filename: str, map_location='cpu', trusted: bool = None):
    """Load a checkpoint from a local path, an http(s) URL or a model-zoo name
    (``torchvision://resnet50`` ...), always through :func:`safe_torch_load`."""
    location = model_zoo_location(filename) if filename.startswith(ZOO_SCHEMES) else filename
    if location.startswith(('http://', 'https://')):
        location = download_checkpoint(location)
    checkpoint = safe_torch_load(location, map_location=map_location, trusted=trusted)
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
                    trusted: bool = None, strict: bool = True) -> dict:
    """Load weights into ``model``; any key or shape that does not fit is an error.

    Old-layout keys (mmpose 0.x ``keypoint_head.*``) are renamed by the
    model's own load hook. Returns the whole checkpoint (its ``meta`` holds
    ``dataset_meta`` when the runner saved it).
    """
    checkpoint = load_checkpoint_file(filename, map_location, trusted)
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
