"""No tool or API runs code from a checkpoint file, and a released file whose
SHA-256 does not match the hash in its name is refused before it is read.

The malicious checkpoints here are real: unpickling them runs
``touch MARKER`` (shown by ``test_the_payload_runs_when_unpickled_unsafely``);
every other test asserts the marker never appears.
"""
import argparse
import hashlib
import importlib.util
import io
import os
import os.path as osp
import pickle
import shutil
import sys
import urllib.error
import urllib.request
import uuid

import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint

from mmpose_face import compat
from mmpose_face.apis import init_model
from mmpose_face.apis.cli import run_tool
from mmpose_face.engine import checkpoint_loading
from mmpose_face.engine.checkpoint_loading import (CheckpointHashError, UnsafeCheckpointError,
                                                   download_checkpoint, load_checkpoint, safe_torch_load)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SMALL_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-32x32.py')


class RunsACommand:
    """Unpickling this calls ``os.system(command)``."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command, )


def write_malicious(path, marker, raw_pickle: bool = False) -> str:
    """A checkpoint-looking dict with a payload in ``meta``: a torch zip file, or a bare pickle."""
    content = {'meta': {'note': RunsACommand(f'touch {marker}')}, 'state_dict': {'weight': torch.zeros(2)}}
    if raw_pickle:  # torch.load reads a file that is not a zip archive as a bare pickle
        content['state_dict']['weight'] = [0., 0.]
        with open(path, 'wb') as f:
            pickle.dump(content, f, protocol=2)
    else:
        torch.save(content, path)
    return str(path)


@pytest.fixture
def malicious(tmp_path):
    marker = tmp_path / 'marker_the_payload_ran'
    return write_malicious(tmp_path / 'epoch_1.pth', marker), marker


@pytest.fixture(scope='module')
def benign_untrusted(tmp_path_factory):
    """The small model's real weights plus an ``argparse.Namespace``: harmless, but
    outside the allow-list, so it loads only when trusted."""
    model = init_model(SMALL_CONFIG)
    path = tmp_path_factory.mktemp('benign') / 'with_namespace.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {'args': argparse.Namespace(lr=5e-4)}}, path)
    return str(path)


def load_tool(name: str):
    spec = importlib.util.spec_from_file_location(f'{name}_tool', osp.join(REPO, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool_in_process(name, argv, monkeypatch) -> int:
    """``python tools/NAME.py ARGV`` without a new interpreter: same parse_args, main, run_tool."""
    tool = load_tool(name)
    monkeypatch.setattr(sys, 'argv', [f'{name}.py', *argv])
    return run_tool(tool.main, tool.parse_args())


def test_the_payload_runs_when_unpickled_unsafely(malicious):
    path, marker = malicious
    torch.load(path, weights_only=False)  # what a plain pickle load would do
    assert marker.exists()


@pytest.mark.parametrize('raw_pickle', [False, True], ids=['torch-zip', 'raw-pickle'])
def test_load_checkpoint_refuses_a_pickle_that_runs_code(tmp_path, raw_pickle):
    marker = tmp_path / 'marker'
    path = write_malicious(tmp_path / 'evil.pth', marker, raw_pickle)
    with pytest.raises(UnsafeCheckpointError, match=r'evil\.pth: refused to load: it needs the global '
                                                    r'(posix|os)\.system.*--trust-checkpoint'):
        load_checkpoint(torch.nn.Linear(2, 1), path)
    with compat.mmengine_fixes(), pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(path)  # mmengine's loader: Runner.load_checkpoint, resume, init_cfg Pretrained
    assert not marker.exists()


def test_init_model_refuses_it(malicious):
    path, marker = malicious
    with pytest.raises(UnsafeCheckpointError, match='epoch_1.pth'):
        init_model(SMALL_CONFIG, path)
    assert not marker.exists()


@pytest.mark.parametrize('tool,argv', [
    ('test', ['{path}']),
    ('train', ['--resume', '{path}']),
    ('train', ['--cfg-options', 'load_from={path}']),
], ids=['test.py', 'train.py --resume PATH', 'train.py load_from'])
def test_the_tools_refuse_it(malicious, tmp_path, monkeypatch, capsys, one_thread, tool, argv):
    path, marker = malicious
    argv = [SMALL_CONFIG, *[arg.format(path=path) for arg in argv], '--work-dir', str(tmp_path / 'work')]
    if tool == 'train':
        argv += ['--cfg-options', f'experiment_name=unsafe-{uuid.uuid4().hex}']
    assert run_tool_in_process(tool, argv, monkeypatch) == 1
    error = capsys.readouterr().err
    assert f'error: {path}: refused to load' in error and '--trust-checkpoint' in error
    assert not marker.exists()


def test_a_trusted_file_loads_only_on_opt_in(benign_untrusted, tmp_path, monkeypatch, capsys, one_thread):
    with pytest.raises(UnsafeCheckpointError, match='argparse.Namespace'):
        init_model(SMALL_CONFIG, benign_untrusted)
    model = init_model(SMALL_CONFIG, benign_untrusted, trusted=True)
    assert model.head.fc.weight.shape[0] == 98 * 2
    monkeypatch.setenv(checkpoint_loading.TRUST_ENV, '1')
    assert safe_torch_load(benign_untrusted)['meta']['args'].lr == 5e-4
    monkeypatch.delenv(checkpoint_loading.TRUST_ENV)

    argv = [SMALL_CONFIG, benign_untrusted, '--work-dir', str(tmp_path / 'work')]
    assert run_tool_in_process('test', argv, monkeypatch) == 1
    assert run_tool_in_process('test', argv + ['--trust-checkpoint'], monkeypatch) == 0
    assert 'NME' in capsys.readouterr().out


def test_train_passes_trust_down_to_mmengines_loader_as_an_argument(benign_untrusted, tmp_path, monkeypatch,
                                                                     one_thread):
    """``load_from`` is loaded by mmengine's runner, through our loader with the tool's
    --trust-checkpoint; nothing is put into the environment."""
    monkeypatch.delenv(checkpoint_loading.TRUST_ENV, raising=False)
    argv = [SMALL_CONFIG, '--work-dir', str(tmp_path / 'work'), '--no-validate', '--cfg-options',
            f'load_from={benign_untrusted}', 'train_cfg.max_epochs=1', f'experiment_name=trust-{uuid.uuid4().hex}']
    assert run_tool_in_process('train', argv, monkeypatch) == 1  # refused without it
    with pytest.warns(UserWarning, match='loading a trusted checkpoint with full unpickling'):
        assert run_tool_in_process('train', argv[:-1] + [f'experiment_name=trust-{uuid.uuid4().hex}',
                                                         '--trust-checkpoint'], monkeypatch) == 0
    assert checkpoint_loading.TRUST_ENV not in os.environ


def sha256(path) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_a_hash_mismatch_is_refused_before_unpickling(tmp_path, monkeypatch):
    marker = tmp_path / 'marker'
    path = write_malicious(tmp_path / 'deeppose-deadbeef_20210303.pth', marker)
    assert not sha256(path).startswith('deadbeef')
    unpickled = []
    monkeypatch.setattr(torch, 'load', lambda *args, **kwargs: unpickled.append(args))
    # even a file the user trusts is hashed first
    with pytest.raises(CheckpointHashError, match=r'deeppose-deadbeef_20210303\.pth: the name promises sha256 '
                                                  r'prefix deadbeef, the file\'s is [0-9a-f]{8}: it was changed or '
                                                  r'renamed.*--skip-hash-check'):
        safe_torch_load(path, trusted=True)
    assert unpickled == [] and not marker.exists()


def test_a_matching_hash_loads(tmp_path):
    path = tmp_path / 'weights.pth'
    torch.save({'state_dict': {'weight': torch.arange(3.)}}, path)
    released = tmp_path / f'deeppose-{sha256(path)[:8]}_20210303.pth'
    shutil.move(path, released)
    assert torch.equal(safe_torch_load(str(released))['state_dict']['weight'], torch.arange(3.))


class FakeResponse(io.BytesIO):
    """What ``urllib.request.urlopen`` returns, serving fixed bytes."""


def serve(monkeypatch, payload: bytes = None, error: Exception = None) -> list:
    requests = []

    def urlopen(url, timeout=None):
        requests.append(url)
        if error is not None:
            raise error
        return FakeResponse(payload)

    monkeypatch.setattr(urllib.request, 'urlopen', urlopen)
    return requests


def test_a_download_with_the_wrong_hash_is_refused_and_not_kept(tmp_path, monkeypatch):
    marker = tmp_path / 'marker'
    with open(write_malicious(tmp_path / 'payload.pth', marker), 'rb') as f:
        serve(monkeypatch, f.read())
    cache = tmp_path / 'cache'
    with pytest.raises(CheckpointHashError, match='deeppose-deadbeef_20210303.pth'):
        download_checkpoint('https://example.com/models/deeppose-deadbeef_20210303.pth', str(cache))
    assert os.listdir(cache) == [] and not marker.exists()

    # mmengine's http scheme (load_from / init_cfg with a URL) takes the same path
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    with compat.mmengine_fixes(), pytest.raises(CheckpointHashError):
        _load_checkpoint('https://example.com/models/deeppose-deadbeef_20210303.pth')
    # and so do model-zoo names (this one's URL carries the hash 5891d200)
    with compat.mmengine_fixes(), pytest.raises(CheckpointHashError, match='resnet50_msra-5891d200.pth'):
        _load_checkpoint('open-mmlab://detectron2/resnet50_caffe')
    assert os.listdir(tmp_path / 'hub' / 'checkpoints') == [] and not marker.exists()


def test_a_download_with_the_right_hash_is_cached_once(tmp_path, monkeypatch):
    buffer = io.BytesIO()
    torch.save({'state_dict': {'weight': torch.ones(2)}}, buffer)
    payload = buffer.getvalue()
    name = f'deeppose-{hashlib.sha256(payload).hexdigest()[:8]}_20210303.pth'
    requests = serve(monkeypatch, payload)
    cache = tmp_path / 'cache'
    path = download_checkpoint(f'https://example.com/models/{name}', str(cache))
    assert path == str(cache / name) and os.listdir(cache) == [name]
    assert torch.equal(safe_torch_load(path)['state_dict']['weight'], torch.ones(2))
    download_checkpoint(f'https://example.com/models/{name}', str(cache))
    assert len(requests) == 1


def test_offline_download_says_what_to_do(tmp_path, monkeypatch):
    serve(monkeypatch, error=urllib.error.URLError('Temporary failure in name resolution'))
    cache = tmp_path / 'cache'
    with pytest.raises(RuntimeError, match=r'could not download https://example.com/m-0123abcd\.pth: Temporary '
                                           r'failure in name resolution\. This machine may be offline.*'
                                           + str(cache / 'm-0123abcd.pth')):
        download_checkpoint('https://example.com/m-0123abcd.pth', str(cache))
    assert os.listdir(cache) == []
