"""Released WFLW DeepPose checkpoints load in both published layouts.

mmpose 0.x files (``deeppose_res50_wflw_256x256-92d0ba7f_20210303.pth``) name
the head ``keypoint_head.fc.*`` and carry the ``meta`` mmcv 1.x wrote:
strings, ints, the config text, ``hook_msgs`` with a numpy float64
``best_score``, pickled under numpy 1's module names. mmpose 1.x files name
the head ``head.fc.*`` and keep the ``dataset_meta`` with numpy arrays (an
empty one for WFLW's skeleton). Both load with ``torch.load(weights_only=True)``
through ``init_model``, ``tools/test.py`` and ``load_from`` of
``tools/train.py``, from a path or an http(s) URL (a local ``http.server``
here), and give the same weights. Weights are made here (no downloads): a
ResNet-18 on 32x32 crops.
"""
import functools
import hashlib
import http.server
import io
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import threading
import zipfile

import numpy as np
import pytest
import torch

from mmpose_face.apis import inference_topdown, init_model
from mmpose_face.engine.checkpoint_loading import CheckpointMismatchError, load_checkpoint_file

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_wflw-32x32.py')
IMAGE = osp.join(REPO, 'tests', 'data', '7_Cheering_Cheering_7_16.jpg')
BOXES = np.array([[718.26, 293.22, 820.33, 401.27], [463.61, 346.29, 551.66, 430.80]])


def torch_save_as_numpy1(obj, path) -> None:
    """``torch.save``, with numpy objects pickled under numpy 1's module names
    (``numpy.core.multiarray``), as every released 0.x checkpoint has them."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith('data.pkl'):
                data = data.replace(b'numpy._core.multiarray', b'numpy.core.multiarray')
            target.writestr(info.filename, data)


def mmcv1_meta() -> dict:
    with open(CONFIG) as f:
        config_text = f.read()
    return {'mmcv_version': '1.3.0', 'time': 'Wed Mar  3 10:20:30 2021', 'mmpose_version': '0.12.0',
            'env_info': 'sys.platform: linux\nPython: 3.7.9', 'config': config_text, 'seed': 0,
            'epoch': 210, 'iter': 14070,
            'hook_msgs': {'last_ckpt': '/mnt/work_dirs/deeppose_res50_wflw_256x256/epoch_210.pth',
                          'best_score': np.float64(0.0488), 'best_ckpt': 'best_NME_epoch_200.pth'}}


def mmpose1_dataset_meta(meta: dict) -> dict:
    """``dataset_meta`` as mmpose 1.x's runner saves it: colours, weights and sigmas
    as numpy arrays; WFLW has no skeleton, so its link colours are an empty array."""
    return dict(meta, keypoint_colors=np.array(meta['keypoint_colors'], dtype=np.uint8),
                num_skeleton_links=0, skeleton_link_colors=np.array([], dtype=np.uint8),
                dataset_keypoint_weights=np.ones(98, dtype=np.float32), sigmas=np.array([], dtype=np.float32))


def old_layout(state_dict: dict) -> dict:
    return {('keypoint_' + key if key.startswith('head.') else key): value for key, value in state_dict.items()}


def sha256_prefix(path) -> str:
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()[:8]


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """The same random weights as a 0.x file (released name, hash in it) and a 1.x file."""
    folder = tmp_path_factory.mktemp('checkpoints')
    torch.manual_seed(0)
    model = init_model(CONFIG)
    state = {key: (torch.randn_like(value) * 0.05 if key.startswith('head.') else value.clone())
             for key, value in model.state_dict().items()}
    state['head.fc.bias'] = torch.rand_like(state['head.fc.bias'])  # points spread over the crop
    v0 = folder / 'v0.pth'
    torch_save_as_numpy1({'meta': mmcv1_meta(), 'state_dict': old_layout(state)}, v0)
    released = folder / f'deeppose_res18_tiny_wflw_32x32-{sha256_prefix(v0)}_20210303.pth'
    shutil.move(v0, released)
    v1 = folder / 'td-reg_res18_tiny_wflw-32x32_v1.pth'
    torch.save({'meta': {'dataset_meta': mmpose1_dataset_meta(model.dataset_meta), 'epoch': 1, 'iter': 2,
                         'mmengine_version': '0.10.7'}, 'state_dict': state}, v1)
    return dict(state=state, v0=str(released), v1=str(v1), folder=folder)


@pytest.fixture(scope='module')
def http_url(checkpoints):
    """``http://127.0.0.1:PORT`` serving the checkpoint folder, from a thread."""

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(QuietHandler, directory=str(checkpoints['folder'])))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{server.server_address[1]}'
    server.shutdown()
    server.server_close()


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    """Downloads go to a fresh torch hub cache; 127.0.0.1 is never proxied."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    monkeypatch.setenv('no_proxy', '127.0.0.1,localhost')
    return tmp_path / 'torch_home'


def assert_weights_equal(model, state: dict):
    own = model.state_dict()
    assert set(own) == set(state)
    for key, value in state.items():
        assert torch.equal(own[key], value), key


def test_the_old_file_really_has_the_0x_head_keys_and_numpy1_pickles(checkpoints):
    with zipfile.ZipFile(checkpoints['v0']) as archive:
        pickled = archive.read(next(n for n in archive.namelist() if n.endswith('data.pkl')))
    assert b'numpy.core.multiarray' in pickled and b'numpy._core' not in pickled
    keys = load_checkpoint_file(checkpoints['v0'])['state_dict'].keys()
    assert {'keypoint_head.fc.weight', 'keypoint_head.fc.bias', 'backbone.conv1.weight'} <= set(keys)
    assert not any(key.startswith('head.') for key in keys)


def test_mmcv1_meta_loads_under_weights_only(checkpoints):
    checkpoint = load_checkpoint_file(checkpoints['v0'])  # weights_only=True inside
    meta = checkpoint['meta']
    assert meta['mmcv_version'] == '1.3.0' and meta['epoch'] == 210 and meta['iter'] == 14070
    assert 'RegressionLabel' in meta['config']
    assert meta['hook_msgs']['last_ckpt'].endswith('epoch_210.pth')
    best = meta['hook_msgs']['best_score']
    assert isinstance(best, np.float64) and best == np.float64(0.0488)


def test_mmpose1_meta_with_numpy_arrays_loads_under_weights_only(checkpoints):
    meta = load_checkpoint_file(checkpoints['v1'])['meta']['dataset_meta']
    assert meta['skeleton_link_colors'].shape == (0, ) and meta['keypoint_colors'].shape == (98, 3)
    model = init_model(CONFIG, checkpoints['v1'])
    assert model.dataset_meta['sigmas'].dtype == np.float32  # the checkpoint's metainfo is used


@pytest.mark.parametrize('layout', ['v0', 'v1'])
def test_init_model_loads_both_layouts_to_the_same_weights(checkpoints, layout):
    model = init_model(CONFIG, checkpoints[layout])
    assert_weights_equal(model, checkpoints['state'])
    assert len(model.dataset_meta['flip_indices']) == 98


def test_both_layouts_predict_the_same_pixels_with_flip_test(checkpoints):
    predictions = []
    for layout in ('v0', 'v1'):
        model = init_model(CONFIG, checkpoints[layout], cfg_options={'model.test_cfg.flip_test': True})
        results = inference_topdown(model, IMAGE, BOXES)
        predictions.append(np.concatenate([r.pred_instances.keypoints for r in results]))
    assert predictions[0].shape == (2, 98, 2)
    assert np.array_equal(predictions[0], predictions[1])
    assert predictions[0][..., 0].std() > 1.0  # points spread out, not one constant point


def test_init_model_downloads_a_released_file_over_http(checkpoints, http_url, torch_home):
    name = osp.basename(checkpoints['v0'])
    model = init_model(CONFIG, f'{http_url}/{name}')
    assert_weights_equal(model, checkpoints['state'])
    assert (torch_home / 'hub' / 'checkpoints' / name).is_file()  # cached under its released name


@pytest.mark.parametrize('layout', ['v0', 'v1'])
def test_a_wrong_head_shape_is_refused_naming_the_file_and_the_key(checkpoints, tmp_path, layout):
    state = dict(checkpoints['state'])
    width = state['head.fc.weight'].shape[1]  # the backbone's output channels
    state['head.fc.weight'] = torch.zeros(68 * 2, width)  # a 68-point model
    state['head.fc.bias'] = torch.zeros(68 * 2)
    path = tmp_path / f'res18_68points_{layout}.pth'
    torch.save({'state_dict': old_layout(state) if layout == 'v0' else state}, path)
    key = 'keypoint_head.fc.weight' if layout == 'v0' else 'head.fc.weight'
    with pytest.raises(CheckpointMismatchError) as error:
        init_model(CONFIG, str(path))
    message = str(error.value)
    assert str(path) in message and f'{key}: checkpoint (136, {width}) vs model (196, {width})' in message


def run_tool(*args, env=None):
    full_env = {key: value for key, value in os.environ.items() if key != 'MMPOSE_FACE_DEBUG'}
    full_env.update(env or {}, OMP_NUM_THREADS='1')
    process = subprocess.run([sys.executable, *map(str, args)], cwd=REPO, env=full_env,
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 0, (process.stdout + process.stderr)[-3000:]
    return process.stdout + process.stderr


def test_tools_test_accepts_the_0x_file_by_path_and_the_1x_file_by_url(checkpoints, http_url, tmp_path):
    metrics = {}
    sources = {'v0': checkpoints['v0'], 'v1': f"{http_url}/{osp.basename(checkpoints['v1'])}"}
    for layout, source in sources.items():
        out = tmp_path / f'{layout}.json'
        run_tool('tools/test.py', CONFIG, source, '--work-dir', tmp_path / layout, '--out', out,
                 env={'TORCH_HOME': str(tmp_path / 'torch_home'), 'no_proxy': '127.0.0.1,localhost'})
        metrics[layout] = json.loads(out.read_text())
    assert metrics['v0']['NME'] > 0 and metrics['v0'] == metrics['v1']
    from mmpose_face.checkpoint_download import cached_download_path  # the cache is keyed by URL
    assert osp.isfile(cached_download_path(sources['v1'], str(tmp_path / 'torch_home' / 'hub' / 'checkpoints')))


def test_load_from_in_train_starts_from_the_0x_weights(checkpoints, tmp_path):
    """With lr 0 the trained weights stay the loaded ones (BN statistics aside)."""
    output = run_tool('tools/train.py', CONFIG, '--work-dir', tmp_path, '--no-validate', '--verbose', '--cfg-options',
                      f"load_from={checkpoints['v0']}", 'train_cfg.max_epochs=1', 'optim_wrapper.optimizer.lr=0')
    assert f"Load checkpoint from {checkpoints['v0']}" in output
    saved = load_checkpoint_file(str(tmp_path / 'epoch_1.pth'))['state_dict']
    for key, value in checkpoints['state'].items():
        if not key.endswith(('running_mean', 'running_var', 'num_batches_tracked')):
            assert torch.equal(saved[key], value), key
    assert saved.keys() == checkpoints['state'].keys()  # saved in the 1.x layout
