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
PyTorch archive is named with the reason before torch reads it; the check
reads exactly the bytes torch will unpickle
(:mod:`mmpose_face.checkpoint_format`: the format by magic number, the zip's
``data.pkl`` found as torch finds it) and refuses files packed to be read
two ways.

Trust is an argument (``trusted``, ``skip_hash_check``) from the command
line down to :func:`safe_torch_load`; ``None`` means the user said nothing,
and then the environment opt-ins decide, read here only
(:func:`trust_from_env`, :func:`flag_from_env`). mmengine's loaders reach
this module only while :func:`mmpose_face.compat.mmengine_fixes` is open
(:func:`mmengine_scheme_loaders`). Downloads: :mod:`mmpose_face.checkpoint_download`.
"""
import os
import os.path as osp
import pickle
import re
import warnings
from collections import OrderedDict

import torch

from mmpose_face.checkpoint_download import (SKIP_HASH_ENV, cached_download_path,  # noqa: F401 (re-exported)
                                             download_checkpoint, expected_hash_prefix, hub_checkpoint_dir,
                                             verify_hash_in_name)
from mmpose_face.checkpoint_format import NotATorchFile, archive_problem, torch_file_layout  # noqa: F401
from mmpose_face.engine.checkpoint_numpy import numpy_safe_globals, refusal_in_checkpoint
from mmpose_face.errors import (CheckpointDownloadError, CheckpointHashError,  # noqa: F401
                                CheckpointMismatchError, CheckpointReadError, SettingError,
                                UnsafeCheckpointError, UserInputKeyError)

TRUST_ENV = 'MMPOSE_FACE_TRUST_CHECKPOINTS'
_YES, _NO = ('1', 'true', 'yes'), ('', '0', 'false', 'no', 'off')
OFFLINE_BACKBONE_HINT = ('If these are a backbone\'s pretrained weights (its init_cfg), you can train without '
                         'them: --cfg-options model.backbone.init_cfg=None')


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


def _checked_layout(path: str):
    try:
        return torch_file_layout(path)
    except NotATorchFile as problem:
        raise CheckpointReadError(f'{path}: cannot be loaded: {problem}. Save it again, or download it again '
                                  f'if it was downloaded.') from None


def _weights_only_globals(layout) -> list:
    """What a checked file may hold beyond torch's own allow-list: numpy's checked
    stand-ins and mmengine's ``HistoryBuffer`` (for this load only, not the process)."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return numpy_safe_globals(layout.size) + [HistoryBuffer]


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
    layout = _checked_layout(path)
    trusted = trust_from_env() if trusted is None else trusted
    try:
        refusal = refusal_in_checkpoint(path, layout)
    except NotATorchFile as problem:  # a storage or pickle longer than the file allows
        raise CheckpointReadError(f'{path}: cannot be read ({problem}; {layout.size} bytes): the file is cut off or '
                                  f'damaged. Save it again, or download it again if it was downloaded.') from None
    if refusal:
        if not trusted:
            raise _unsafe(path, refusal)
        return _trusted_load(path, refusal, map_location)
    try:
        with torch.serialization.safe_globals(_weights_only_globals(layout)):
            return torch.load(path, map_location=map_location, weights_only=True,
                              mmap=mmap and layout.format == 'zip')
    except pickle.UnpicklingError as error:
        if not trusted:
            raise _unsafe(path, _refusal_reason(error)) from None
        return _trusted_load(path, _refusal_reason(error), map_location)
    except (EOFError, RuntimeError, ValueError, MemoryError) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise CheckpointReadError(
            f'{path}: cannot be read ({reason}; {osp.getsize(path)} bytes): the file is cut off or damaged. '
            f'Save it again, or download it again if it was downloaded.') from None


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


def with_offline_hint(error: CheckpointDownloadError) -> CheckpointDownloadError:
    """A failed download met while a runner loads weights: add how to go on without them."""
    return type(error)(f'{error} {OFFLINE_BACKBONE_HINT}.')


def mmengine_scheme_loaders(trusted: bool = None, skip_hash_check: bool = None) -> dict:
    """Loaders for mmengine's ``CheckpointLoader`` schemes that go through :func:`load_checkpoint_file`
    with the given trust (mmengine's own call ``torch.load`` without ``weights_only``, and its
    http loader unpickles anything): ``{prefixes: loader}`` for the local (``''``), http(s) and
    model-zoo schemes. Left to mmengine are ``pavi://`` and ``s3://``, which need packages this
    project does not use. :func:`mmpose_face.compat.mmengine_fixes` installs them."""

    def load_local(filename, map_location=None):
        try:
            return load_checkpoint_file(filename, map_location, trusted, skip_hash_check)
        except CheckpointDownloadError as error:  # a model-zoo name that needed a download
            raise with_offline_hint(error) from None

    def load_remote(filename, map_location=None, model_dir=None, progress=False):
        try:
            path = download_checkpoint(filename, model_dir, progress=progress)
        except CheckpointDownloadError as error:
            raise with_offline_hint(error) from None
        return safe_torch_load(path, map_location, trusted, skip_hash_check)

    return {'': load_local, ('http://', 'https://'): load_remote, ZOO_SCHEMES: load_local}
