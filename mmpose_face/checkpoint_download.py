"""The one downloader of checkpoints and models: whole files or nothing, cached by URL.

Every download (``init_model`` / ``tools/test.py`` with a URL, ``load_from``,
a backbone's ``init_cfg`` Pretrained, the inferencer's released models)
comes here. A download goes to a temporary file beside its cache place and is
renamed into place only when

1. every byte the server promised (``Content-Length``) arrived,
2. it is a file torch reads (:func:`~mmpose_face.checkpoint_format.archive_problem`:
   a zip archive that opens with one ``data.pkl``, or a legacy pickle), and
3. its SHA-256 starts with the hash in its name, when the name carries one
   (mmpose's ``NAME-<8+ hex digits>[_YYYYMMDD].pth``).

Anything else deletes the temporary file, caches nothing and raises
:class:`~mmpose_face.errors.CheckpointDownloadError`, the one error class of
downloads (a hash mismatch is also a
:class:`~mmpose_face.errors.CheckpointHashError`).

The cache is keyed by URL: ``<cache>/url-<16 hex digits of the URL's SHA-256>/<name>``,
so two URLs with the same file name never share a file. A released file
whose name carries its hash is content-addressed: it lives at
``<cache>/<name>`` (torch hub's and mmengine's place, where a file fetched
by hand on another machine goes), whichever URL it came from, and is checked
against that hash whenever it is used. ``<cache>`` is torch hub's checkpoint
folder (``$TORCH_HOME/hub/checkpoints``) unless given.
"""
import hashlib
import http.client
import os
import os.path as osp
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from mmpose_face.checkpoint_format import archive_problem
from mmpose_face.errors import CheckpointDownloadError, CheckpointHashError, DownloadHashError
from mmpose_face.fileio import sha256_file

SKIP_HASH_ENV = 'MMPOSE_FACE_SKIP_HASH_CHECK'
# mmpose's released names: NAME-<8+ hex digits of the SHA-256>[_YYYYMMDD].pth
_HASH_IN_NAME = re.compile(r'-([0-9a-f]{8,64})(_\d{8})?\.[a-z]+$')
_BLOCK = 1 << 20


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


def hash_mismatch(path: str, name: str = None):
    """``(expected, actual)`` prefixes when the content of ``path`` lacks the hash in
    its name (or in ``name``), else None."""
    expected = expected_hash_prefix(name or path)
    if expected is None:
        return None
    actual = sha256_file(path)[:len(expected)]
    return None if actual == expected else (expected, actual)


def verify_hash_in_name(path: str, name: str = None, skip: bool = False) -> None:
    """Raise :class:`CheckpointHashError` if the local file ``path`` lacks the hash in
    its file name (or in ``name``)."""
    mismatch = None if skip else hash_mismatch(path, name)
    if mismatch:
        raise CheckpointHashError(
            f'{name or path}: the name promises sha256 prefix {mismatch[0]}, the file\'s is {mismatch[1]}: it was '
            f'changed or renamed. If it is the file you mean, pass --skip-hash-check to the tool '
            f'(skip_hash_check=True to the API, or set {SKIP_HASH_ENV}=1); if it is a download, delete it and '
            f'download it again.')


def hub_checkpoint_dir() -> str:
    """torch hub's checkpoint folder (``$TORCH_HOME/hub/checkpoints``), where mmengine caches URLs too."""
    import torch
    return osp.join(torch.hub.get_dir(), 'checkpoints')


def url_file_name(url: str) -> str:
    """The file name a URL ends in, or :class:`CheckpointDownloadError` when it names none."""
    path = urllib.parse.urlsplit(url).path
    name = osp.basename(path)
    if not name:
        raise CheckpointDownloadError(f'{url}: the URL names no file (its path ends in "/"): give the URL of the '
                                      f'checkpoint file itself, e.g. https://host/folder/model.pth')
    return urllib.parse.unquote(name)


def cached_download_path(url: str, cache_dir: str = None) -> str:
    """Where :func:`download_checkpoint` keeps ``url`` (see the module docstring)."""
    cache_dir = cache_dir or hub_checkpoint_dir()
    name = url_file_name(url)
    if expected_hash_prefix(name):
        return osp.join(cache_dir, name)
    return osp.join(cache_dir, 'url-' + hashlib.sha256(url.encode('utf-8')).hexdigest()[:16], name)


def _check_cached(url: str, target: str) -> None:
    problem = archive_problem(target)
    mismatch = None if problem else hash_mismatch(target)
    if problem or mismatch:
        reason = problem or f'its sha256 starts with {mismatch[1]}, its name promises {mismatch[0]}'
        raise CheckpointDownloadError(
            f'{target}: the cached download of {url} cannot be used: {reason}. Delete it (rm {target}) and run '
            f'again to download it afresh, or put a good copy there.')


def _transfer(url: str, out, timeout: float, progress: bool, label: str):
    """Copy the body of ``url`` into ``out``; returns ``(received, promised)`` bytes
    (``promised`` None without a ``Content-Length``)."""
    received = 0
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = (getattr(response, 'headers', None) or {}).get('Content-Length')
        promised = int(length) if length and length.strip().isdigit() else None
        from tqdm import tqdm
        with tqdm(total=promised, unit='B', unit_scale=True, desc=label, disable=not progress) as bar:
            try:
                for block in iter(lambda: response.read(_BLOCK), b''):
                    out.write(block)
                    received += len(block)
                    bar.update(len(block))
            except http.client.IncompleteRead as cut:
                out.write(cut.partial)
                received += len(cut.partial)
    return received, promised


def _unreachable(url: str, error, target: str) -> CheckpointDownloadError:
    """The message of a download that did not happen: an HTTP answer names the
    status; no answer at all says the machine may be offline."""
    where = (f'fetch the file elsewhere and put it at {target}, or pass its local path instead of the URL')
    if isinstance(error, urllib.error.HTTPError):
        return CheckpointDownloadError(f'could not download {url}: the server answered {error.code} {error.reason}; '
                                       f'check the URL, or {where}')
    reason = getattr(error, 'reason', None) or error
    if isinstance(error, urllib.error.URLError) or isinstance(error, (ConnectionError, TimeoutError)):
        return CheckpointDownloadError(f'could not download {url}: {reason}. This machine may be offline: {where}.')
    return CheckpointDownloadError(f'could not download {url}: {reason}; nothing was cached. To use a copy, {where}.')


def download_checkpoint(url: str, cache_dir: str = None, timeout: float = 30., progress: bool = False) -> str:
    """The local path of the checkpoint at ``url``, downloading it the first time.

    Args:
        url: an ``http://`` or ``https://`` URL of a file.
        cache_dir: the cache folder (default: torch hub's checkpoint folder).
        timeout: seconds to wait for the server, per read.
        progress: show a progress bar.

    Raises:
        CheckpointDownloadError: no usable file: not downloaded (offline, the
            server refused), cut off, not a checkpoint, or not the released
            file; the message says what to do. Nothing is left in the cache.
    """
    target = cached_download_path(url, cache_dir)
    if osp.isfile(target):
        _check_cached(url, target)
        return target
    try:
        os.makedirs(osp.dirname(target), exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=osp.dirname(target), prefix='.' + osp.basename(target) + '.',
                                       suffix='.partial')
    except OSError as error:
        raise CheckpointDownloadError(f'could not download {url}: cannot write in the cache folder '
                                      f'{osp.dirname(target)} ({error.strerror or error})') from None
    try:
        try:
            with os.fdopen(fd, 'wb') as out:
                received, promised = _transfer(url, out, timeout, progress, osp.basename(target))
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
            raise _unreachable(url, error, target) from None
        if promised is not None and received != promised:
            raise CheckpointDownloadError(
                f'could not download {url}: the transfer stopped after {received} of the {promised} bytes '
                f'the server promised; the partial file was deleted and nothing was cached. Run again to retry.')
        problem = archive_problem(partial)
        if problem:
            raise CheckpointDownloadError(
                f'could not download {url}: what arrived ({received} bytes) is {problem.replace("the file is ", "")}; '
                f'it was deleted and nothing was cached.')
        mismatch = hash_mismatch(partial, target)
        if mismatch:
            raise DownloadHashError(
                f'could not download {url}: what arrived has sha256 prefix {mismatch[1]}, its name promises '
                f'{mismatch[0]}: it is not the released file (a changed file on the server, or a proxy\'s page). '
                f'Nothing was written to the cache; check the URL, or fetch the file elsewhere and put it at {target}.')
        os.replace(partial, target)
    finally:
        if osp.exists(partial):
            os.remove(partial)
            _remove_if_empty(osp.dirname(target))
    return target


def _remove_if_empty(folder: str) -> None:
    """A URL's own folder that a failed download created stays out of the cache."""
    if osp.basename(folder).startswith('url-') and not os.listdir(folder):
        os.rmdir(folder)
