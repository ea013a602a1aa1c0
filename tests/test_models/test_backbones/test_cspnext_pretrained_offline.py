"""RTMPose's ``init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=URL)`` on CSPNeXt:
fetched through the project's one downloader (hash-checked, weights-only), and offline
one message that says what to do, from the tools as from the API.

The URLs point at 127.0.0.1: a server in the test, or a port nothing listens on.
"""
import hashlib
import http.server
import importlib.util
import io
import os.path as osp
import socket
import sys
import threading
import uuid

import pytest
import torch

from mmpose_face import compat
from mmpose_face.apis.cli import run_tool
from mmpose_face.errors import CheckpointDownloadError
from mmpose_face.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CSPNEXT_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_cspnext-t_tiny_wflw-32x32.py')
RTMPOSE_BACKBONE_FILE = 'cspnext-m_udp-aic-coco_210e-256x192-f2f7d6f6_20230130.pth'  # the name RTMPose configs give
TINY = dict(_scope_='mmdet', type='CSPNeXt', deepen_factor=0.167, widen_factor=0.375, out_indices=(4,),
            channel_attention=True, norm_cfg=dict(type='SyncBN'), act_cfg=dict(type='SiLU'))


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """torch hub's folder (where downloads are cached) in the test's own folder."""
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    return tmp_path / 'hub' / 'checkpoints'


def closed_port_url(name: str) -> str:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    return f'http://127.0.0.1:{port}/mmpose/v1/projects/rtmposev1/{name}'  # nothing listens there now


def test_offline_init_weights_names_the_url_where_to_put_the_file_and_how_to_go_on(hub):
    url = closed_port_url(RTMPOSE_BACKBONE_FILE)
    backbone = MODELS.build(dict(TINY, init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=url)))
    with compat.mmengine_fixes(), pytest.raises(CheckpointDownloadError) as error:
        backbone.init_weights()
    message = str(error.value)
    assert message.startswith(f'could not download {url}: ') and 'This machine may be offline' in message
    assert str(hub / RTMPOSE_BACKBONE_FILE) in message  # where a copy fetched elsewhere goes
    assert message.endswith('you can train without them: --cfg-options model.backbone.init_cfg=None.')
    assert not hub.exists() or not list(hub.iterdir())


class _OneFile(http.server.BaseHTTPRequestHandler):
    body = b''

    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Length', str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


def test_a_released_pose_checkpoint_initialises_the_backbone_from_its_backbone_keys(hub):
    """A whole RTMPose checkpoint (backbone. and head. keys, hash in its name) served over
    http: prefix='backbone.' takes the backbone's part, checked against the hash."""
    torch.manual_seed(1)
    source = MODELS.build(dict(TINY, init_cfg=None))
    state = {f'backbone.{key}': value for key, value in source.state_dict().items()}
    state['head.final_layer.weight'] = torch.zeros(3, 384, 1, 1)
    buffer = io.BytesIO()
    torch.save({'meta': {}, 'state_dict': state}, buffer)
    _OneFile.body = buffer.getvalue()
    name = f'cspnext-t_test-{hashlib.sha256(_OneFile.body).hexdigest()[:8]}_20230130.pth'
    httpd = http.server.HTTPServer(('127.0.0.1', 0), _OneFile)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f'http://127.0.0.1:{httpd.server_address[1]}/rtmposev1/{name}'
        torch.manual_seed(2)
        backbone = MODELS.build(dict(TINY, init_cfg=dict(type='Pretrained', prefix='backbone.', checkpoint=url)))
        with compat.mmengine_fixes():
            backbone.init_weights()
    finally:
        httpd.shutdown()
        httpd.server_close()
    for key, value in source.state_dict().items():
        assert torch.equal(backbone.state_dict()[key], value), key
    assert (hub / name).is_file()  # cached under the released name, for the next run


def load_tool(name: str):
    spec = importlib.util.spec_from_file_location(f'{name}_tool', osp.join(REPO, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_py_offline_ends_in_one_message_not_a_traceback(hub, tmp_path, monkeypatch, capsys, one_thread):
    url = closed_port_url(RTMPOSE_BACKBONE_FILE)
    config = tmp_path / 'rtmpose_like.py'
    config.write_text(f"_base_ = [{CSPNEXT_CONFIG!r}]\n"
                      f"model = dict(backbone=dict(init_cfg=dict(_delete_=True, type='Pretrained', "
                      f"prefix='backbone.', checkpoint={url!r})))\n")
    tool = load_tool('train')
    monkeypatch.setattr(sys, 'argv', ['train.py', str(config), '--work-dir', str(tmp_path / 'work'),
                                      '--no-validate', '--cfg-options', 'train_cfg.max_epochs=1',
                                      f'experiment_name=offline-{uuid.uuid4().hex}'])
    assert run_tool(tool.main, tool.parse_args()) == 1
    error = capsys.readouterr().err
    assert f'error: could not download {url}: ' in error and 'Traceback' not in error
    assert '--cfg-options model.backbone.init_cfg=None' in error
