"""fetch_checkpoint is the one downloader (checkpoint_download) with a progress bar: a released
file already in the cache is used as it is, and its cache path is the downloader's."""
from mmpose_face import checkpoint_download
from mmpose_face.apis import model_download

URL = 'https://download.openmmlab.com/mmpose/face/deeppose/deeppose_res50_wflw_256x256-92d0ba7f_20210303.pth'


def test_fetch_checkpoint_calls_the_one_downloader(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(model_download, 'download_checkpoint',
                        lambda url, cache_dir, timeout, progress: calls.append((url, cache_dir, timeout, progress))
                        or 'local.pth')
    assert model_download.fetch_checkpoint(URL, str(tmp_path), timeout=5.) == 'local.pth'
    assert calls == [(URL, str(tmp_path), 5., True)]


def test_the_cache_path_is_the_downloaders(tmp_path):
    assert model_download.cached_checkpoint_path is checkpoint_download.cached_download_path
    assert model_download.cached_checkpoint_path(URL, str(tmp_path)).endswith('92d0ba7f_20210303.pth')
