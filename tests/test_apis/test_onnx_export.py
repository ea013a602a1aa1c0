"""ONNX export: the round trip against PyTorch, the documented layout, and the check itself."""
import importlib.util

import cv2
import numpy as np
import onnx
import pytest
import torch

from mmpose_face.apis import init_model
from mmpose_face.apis import onnx_export
from mmpose_face.apis.cli import run_tool
from mmpose_face.apis.face_landmarks_demo import FaceLandmarker
from mmpose_face.apis.onnx_export import OnnxCheckError, OnnxLandmarkModel, export_onnx

CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'
FOOTBALL = 'tests/data/36_Football_americanfootball_ball_36_415.jpg'


@pytest.fixture(scope='module', autouse=True)
def one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # shared cores: more threads are slower here
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    return init_model(CONFIG)


@pytest.fixture(scope='module')
def checkpoint(model, tmp_path_factory):
    path = str(tmp_path_factory.mktemp('ckpt') / 'tiny.pth')
    torch.save({'state_dict': model.state_dict()}, path)
    return path


@pytest.mark.parametrize('flip_test', [False, True])
def test_round_trip_matches_pytorch(model, tmp_path, flip_test):
    path = str(tmp_path / 'tiny.onnx')
    max_difference = export_onnx(model, path, flip_test=flip_test)
    assert max_difference < 1e-4

    runner = OnnxLandmarkModel(path)
    assert runner.input_size == (64, 64)
    crops = np.random.default_rng(1).integers(0, 256, (5, 3, 64, 64), dtype=np.uint8)  # batch 5: dynamic
    onnx_keypoints = runner.run(crops)
    assert onnx_keypoints.shape == (5, 98, 2) and onnx_keypoints.dtype == np.float32
    assert np.ptp(onnx_keypoints) > 0.3, 'outputs spread over the crop (the check is not trivial)'
    expected = onnx_export.pytorch_normalised_keypoints(model, crops, flip_test)
    np.testing.assert_allclose(onnx_keypoints, expected, atol=1e-4)

    graph = onnx.load(path)
    metadata = {entry.key: entry.value for entry in graph.metadata_props}
    assert metadata['input_size'] == '64,64' and metadata['flip_test'] == str(flip_test)
    assert 'BGR 0-255' in metadata['input_layout']
    assert graph.graph.input[0].type.tensor_type.shape.dim[0].dim_param == 'batch'


def test_check_fails_on_a_wrong_graph(model, tmp_path, monkeypatch):
    class ForgetsChannelOrder(onnx_export.LandmarkExportWrapper):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.bgr_to_rgb = not self.bgr_to_rgb
    monkeypatch.setattr(onnx_export, 'LandmarkExportWrapper', ForgetsChannelOrder)
    with pytest.raises(OnnxCheckError, match=r'wrong.onnx: onnxruntime differs from PyTorch'):
        export_onnx(model, str(tmp_path / 'wrong.onnx'))


def test_demo_with_onnx_matches_pytorch(model, checkpoint, tmp_path):
    path = str(tmp_path / 'flip.onnx')
    export_onnx(model, path, flip_test=bool(model.test_cfg.get('flip_test')))
    image = cv2.imread(FOOTBALL)
    boxes = np.array([[434, 106, 524, 196], [229, 22, 303, 96], [-20, 600, 80, 700]], np.float32)
    with_torch = FaceLandmarker(CONFIG, checkpoint, batch_size=2)(image, boxes)
    with_onnx = FaceLandmarker(CONFIG, onnx_file=path, batch_size=2)(image, boxes)
    # image pixels: 1e-4 of the ~110 px crops is 0.011 px
    np.testing.assert_allclose(with_onnx, with_torch, atol=0.011)
    with pytest.raises(RuntimeError, match='missing.onnx: cannot load ONNX model'):
        OnnxLandmarkModel(str(tmp_path / 'missing.onnx'))


def test_command_line(checkpoint, tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location('pytorch2onnx', 'tools/deployment/pytorch2onnx.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    output = tmp_path / 'out' / 'model.onnx'
    monkeypatch.setattr('sys.argv', ['pytorch2onnx', CONFIG, checkpoint, '--output', str(output)])
    assert run_tool(tool.main, tool.parse_args()) == 0
    printed = capsys.readouterr().out
    assert 'max difference' in printed and '(B, 3, 64, 64) float32, BGR' in printed
    assert output.is_file()


def test_command_line_follows_the_configs_flip_test_unless_told(checkpoint, model, tmp_path, monkeypatch, capsys):
    assert model.test_cfg.get('flip_test')  # the tiny config tests with flip, as the published ones
    spec = importlib.util.spec_from_file_location('pytorch2onnx', 'tools/deployment/pytorch2onnx.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for flag, expected in ((None, 'True'), ('--no-flip-test', 'False')):
        output = tmp_path / f'{flag}.onnx'
        monkeypatch.setattr('sys.argv', ['pytorch2onnx', CONFIG, checkpoint, '--output', str(output)]
                            + ([flag] if flag else []))
        assert run_tool(tool.main, tool.parse_args()) == 0
        printed = capsys.readouterr().out
        metadata = {entry.key: entry.value for entry in onnx.load(str(output)).metadata_props}
        assert metadata['flip_test'] == expected
        assert ('as the config tests' in printed) == (flag is None)
        assert ('NO: left out, although the config tests with it' in printed) == (flag is not None)
