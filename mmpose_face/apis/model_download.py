"""Released checkpoints fetched once into the cache, hash-checked, with an offline message.

The cache is torch hub's checkpoint folder (``$TORCH_HOME/hub/checkpoints``,
default ``~/.cache/torch/hub/checkpoints``), as mmengine uses for URLs. The
SHA-256 prefix in a released file's name is checked by
:func:`mmpose_face.engine.checkpoint_loading.verify_hash_in_name`, both for a
download and for a file the user put into the cache by hand.
"""
import os
import os.path as osp
import tempfile
import urllib.error
import urllib.request

from mmpose_face.engine.checkpoint_loading import hub_checkpoint_dir, verify_hash_in_name
from mmpose_face.errors import ModelDownloadError


def cached_checkpoint_path(url: str, cache_dir: str = None) -> str:
    """Where :func:`fetch_checkpoint` keeps ``url``: ``cache_dir/<file name>``."""
    return osp.join(cache_dir or hub_checkpoint_dir(), osp.basename(url.split('?')[0]))


def fetch_checkpoint(url: str, cache_dir: str = None, timeout: float = 30., progress: bool = True) -> str:
    """The local path of the released checkpoint ``url``, downloading it the first time.

    A file already in the cache is hash-checked and used. A download goes to
    a temporary file in the cache folder, is hash-checked and then renamed,
    so an interrupted or corrupt download never looks finished.

    Raises:
        ModelDownloadError: the file is not cached and cannot be fetched; the
            message names the URL and the exact path to put the file at.
        CheckpointHashError: the cached or downloaded file is not the released one.
    """
    target = cached_checkpoint_path(url, cache_dir)
    if osp.isfile(target):
        verify_hash_in_name(target)
        return target
    os.makedirs(osp.dirname(target), exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=osp.dirname(target), suffix='.partial')
    try:
        with os.fdopen(fd, 'wb') as out, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get('Content-Length') or 0) or None
            from tqdm import tqdm
            with tqdm(total=total, unit='B', unit_scale=True, desc=osp.basename(target),
                      disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 20), b''):
                    out.write(block)
                    bar.update(len(block))
        verify_hash_in_name(partial, target)
        os.replace(partial, target)
    except (urllib.error.URLError, OSError) as error:
        raise ModelDownloadError(
            f'could not download {url} ({getattr(error, "reason", error)}). If this machine is offline, '
            f'fetch that file on another machine and put it at {target} (the folder is the torch hub '
            f'cache; set TORCH_HOME to move it), then run the same command again.') from None
    finally:
        if osp.exists(partial):
            os.remove(partial)
    return target
