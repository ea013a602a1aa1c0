"""The inferencer's released models, fetched by the one downloader.

Kept for its callers: :func:`fetch_checkpoint` is
:func:`mmpose_face.checkpoint_download.download_checkpoint` with a progress
bar, and ``cached_checkpoint_path`` where it keeps a URL.
"""
from mmpose_face.checkpoint_download import cached_download_path as cached_checkpoint_path  # noqa: F401
from mmpose_face.checkpoint_download import download_checkpoint


def fetch_checkpoint(url: str, cache_dir: str = None, timeout: float = 30., progress: bool = True) -> str:
    """The local path of the released checkpoint ``url``, downloading it the first time
    (see :func:`mmpose_face.checkpoint_download.download_checkpoint`)."""
    return download_checkpoint(url, cache_dir, timeout=timeout, progress=progress)
