"""The one downloader: whole files or nothing, a cache keyed by URL, one error class,
messages that say what happened. Served from 127.0.0.1."""
import hashlib
import http.server
import io
import os
import os.path as osp
import threading

import pytest
import torch

from mmpose_face import compat
from mmpose_face.apis.model_download import fetch_checkpoint
from mmpose_face.checkpoint_download import cached_download_path, download_checkpoint
from mmpose_face.errors import CheckpointDownloadError, CheckpointHashError


def checkpoint_bytes(value: float) -> bytes:
    buffer = io.BytesIO()
    torch.save({'state_dict': {'weight': torch.full((4, ), value)}}, buffer)
    return buffer.getvalue()


class _Handler(http.server.BaseHTTPRequestHandler):
    """``/a/model.pth`` and ``/b/model.pth``: two different checkpoints of the same name;
    ``/cut/..``: promises the whole file, sends half and hangs up; ``/long/..``: promises
    more bytes than it has and closes cleanly; ``/html/..``: a proxy's page; ``/missing/..``: 404;
    ``/released/NAME``: ``files[NAME]``."""
    files = {}
    requests = []

    def do_GET(self):
        self.requests.append(self.path)
        kind, name = self.path.split('/')[1], self.path.rsplit('/', 1)[-1]
        if kind == 'missing':
            self.send_error(404, 'Not Found')
            return
        body = {'a': checkpoint_bytes(1.), 'b': checkpoint_bytes(2.), 'cut': checkpoint_bytes(3.),
                'long': checkpoint_bytes(4.), 'html': b'<html>Service unavailable</html>' * 50,
                'released': self.files.get(name, b'')}[kind]
        self.send_response(200)
        self.send_header('Content-Length', str(len(body) + 100 if kind == 'long' else len(body)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2] if kind == 'cut' else body)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.requests = []
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()
    httpd.server_close()


def files_in(folder) -> list:
    return sorted(osp.relpath(osp.join(root, name), folder) for root, _, names in os.walk(folder) for name in names)


def test_the_same_file_name_at_another_url_is_another_download(server, tmp_path):
    cache = str(tmp_path)
    first = download_checkpoint(f'{server}/a/model.pth', cache)
    second = download_checkpoint(f'{server}/b/model.pth', cache)
    assert first != second and osp.basename(first) == osp.basename(second) == 'model.pth'
    assert torch.load(first, weights_only=True)['state_dict']['weight'][0] == 1.
    assert torch.load(second, weights_only=True)['state_dict']['weight'][0] == 2.
    assert download_checkpoint(f'{server}/a/model.pth', cache) == first
    assert _Handler.requests == ['/a/model.pth', '/b/model.pth']  # the third call used the cache


@pytest.mark.parametrize('kind,reason', [
    ('cut', r'the transfer stopped after \d+ of the \d+ bytes the server promised; the partial file was deleted '
            'and nothing was cached'),
    ('long', r'the transfer stopped after \d+ of the \d+ bytes the server promised'),
    ('html', r"what arrived \(1600 bytes\) is not a PyTorch checkpoint .*it was deleted and nothing was cached"),
], ids=['cut-transfer', 'wrong-length', 'not-an-archive'])
def test_an_incomplete_or_wrong_download_is_never_cached(server, tmp_path, kind, reason):
    url = f'{server}/{kind}/model.pth'
    with pytest.raises(CheckpointDownloadError, match=f'^could not download {url}: {reason}'):
        download_checkpoint(url, str(tmp_path))
    assert files_in(tmp_path) == [] and os.listdir(tmp_path) == []
    with pytest.raises(CheckpointDownloadError):  # and the next run tries again, not a cached half file
        download_checkpoint(url, str(tmp_path))
    assert len(_Handler.requests) == 2


def test_a_hash_mismatch_does_not_ask_to_delete_a_file_that_was_never_written(server, tmp_path):
    _Handler.files = {'deeppose-deadbeef_20210303.pth': checkpoint_bytes(5.)}
    url = f'{server}/released/deeppose-deadbeef_20210303.pth'
    with pytest.raises(CheckpointDownloadError) as error:
        download_checkpoint(url, str(tmp_path))
    message = str(error.value)
    assert isinstance(error.value, CheckpointHashError)
    assert 'its name promises deadbeef' in message and 'Nothing was written to the cache' in message
    assert 'delete' not in message.lower() and files_in(tmp_path) == []


def test_a_released_name_is_content_addressed_in_torch_hubs_place(server, tmp_path):
    payload = checkpoint_bytes(6.)
    name = f'deeppose-{hashlib.sha256(payload).hexdigest()[:8]}_20210303.pth'
    _Handler.files = {name: payload}
    path = download_checkpoint(f'{server}/released/{name}', str(tmp_path))
    assert path == str(tmp_path / name) == cached_download_path(f'https://elsewhere/{name}', str(tmp_path))
    assert fetch_checkpoint(f'{server}/released/{name}', str(tmp_path), progress=False) == path
    assert len(_Handler.requests) == 1


def test_a_url_ending_in_a_slash_names_no_file(tmp_path):
    with pytest.raises(CheckpointDownloadError, match=r'^http://127.0.0.1:9/models/: the URL names no file') as error:
        download_checkpoint('http://127.0.0.1:9/models/', str(tmp_path))
    assert 'offline' not in str(error.value) and os.listdir(tmp_path) == []


def test_an_http_error_names_the_status_not_offline(server, tmp_path):
    url = f'{server}/missing/model.pth'
    with pytest.raises(CheckpointDownloadError, match=f'could not download {url}: the server answered 404') as error:
        download_checkpoint(url, str(tmp_path))
    assert 'offline' not in str(error.value)


def test_no_answer_at_all_says_offline_and_where_to_put_the_file(tmp_path):
    httpd = http.server.HTTPServer(('127.0.0.1', 0), _Handler)
    port = httpd.server_address[1]
    httpd.server_close()  # nothing listens there any more
    url = f'http://127.0.0.1:{port}/models/resnet50-0676ba61.pth'
    with pytest.raises(CheckpointDownloadError, match='This machine may be offline') as error:
        download_checkpoint(url, str(tmp_path))
    assert str(tmp_path / 'resnet50-0676ba61.pth') in str(error.value)


def test_a_backbone_download_that_fails_suggests_training_without_it(tmp_path, monkeypatch):
    """What a config's init_cfg=dict(type='Pretrained', checkpoint=URL) meets offline (issue 24)."""
    from mmengine.runner.checkpoint import load_checkpoint as mmengine_load_checkpoint
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    httpd = http.server.HTTPServer(('127.0.0.1', 0), _Handler)
    port = httpd.server_address[1]
    httpd.server_close()
    url = f'http://127.0.0.1:{port}/models/resnet50-0676ba61.pth'
    with compat.mmengine_fixes(), pytest.raises(CheckpointDownloadError) as error:
        mmengine_load_checkpoint(torch.nn.Linear(2, 1), url)
    message = str(error.value)
    assert '--cfg-options model.backbone.init_cfg=None' in message
    assert str(tmp_path / 'checkpoints' / 'resnet50-0676ba61.pth') in message


def test_a_cached_file_that_does_not_open_is_named_with_the_fix(server, tmp_path):
    url = f'{server}/a/model.pth'
    cached = cached_download_path(url, str(tmp_path))
    os.makedirs(osp.dirname(cached))
    with open(cached, 'wb') as f:
        f.write(checkpoint_bytes(1.)[:1000])  # what main left after a cut-off download
    with pytest.raises(CheckpointDownloadError, match=f'{cached}: the cached download of {url} cannot be used: its '
                                                      fr'zip archive is cut off or damaged.*Delete it \(rm {cached}\)'):
        download_checkpoint(url, str(tmp_path))
    assert _Handler.requests == []
