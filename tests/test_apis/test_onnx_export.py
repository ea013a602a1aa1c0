"""ONNX export: the round trip against PyTorch for every coordinate head, the documented layout,
and the check itself."""
import importlib.util
import types

import cv2
import numpy as np
import onnx
import pytest
import torch
from mmengine.config import Config

from mmpose_face.apis import init_model
from mmpose_face.apis import onnx_export
from mmpose_face.apis.cli import run_tool
from mmpose_face.apis.face_landmarks_demo import FaceLandmarker
from mmpose_face.apis.onnx_export import OnnxCheckError, OnnxLandmarkModel, export_onnx

CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'
FOOTBALL = 'tests/data/36_Football_americanfootball_ball_36_415.jpg'


pytestmark = pytest.mark.usefixtures('one_torch_thread')  # tests/test_apis/conftest.py


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
    expected, expected_scores = onnx_export.pytorch_normalised_predictions(model, crops, flip_test)
    np.testing.assert_allclose(onnx_keypoints, expected, atol=1e-4)
    keypoints, scores = runner.run_with_scores(crops)
    np.testing.assert_array_equal(keypoints, onnx_keypoints)
    assert scores.shape == (5, 98) and scores.dtype == np.float32
    np.testing.assert_array_equal(scores, expected_scores)  # DeepPose: all 1.0, as its predict

    graph = onnx.load(path)
    metadata = {entry.key: entry.value for entry in graph.metadata_props}
    assert metadata['input_size'] == '64,64' and metadata['flip_test'] == str(flip_test)
    assert 'BGR 0-255' in metadata['input_layout'] and 'scores: (B, 98)' in metadata['output_layout']
    assert metadata['head'] == 'RegressionHead'
    assert graph.graph.input[0].type.tensor_type.shape.dim[0].dim_param == 'batch'
    assert [output.name for output in graph.graph.output] == ['keypoints', 'scores']
    assert all(output.type.tensor_type.shape.dim[0].dim_param == 'batch' for output in graph.graph.output)


# Tiny variants of each head this project has, on ResNet-18 at 64x64 (2x2 features; the
# integral heads upsample twice to 8x8 heatmaps). test_cfg as the published configs, the
# integral ones with heatmap shift; IPR with heatmap scores, DSNT with mmpose's 1.0.
INTEGRAL = dict(in_channels=512, in_featuremap_size=(2, 2), num_joints=98,
                deconv_out_channels=(16, 16), deconv_kernel_sizes=(4, 4),
                decoder=dict(type='IntegralRegressionLabel', input_size=(64, 64), heatmap_size=(8, 8),
                             sigma=1.0))
HEADS = {
    'deeppose_fc': (None, None, {}),
    'rle': (dict(type='GlobalAveragePooling'),
            dict(type='RLEHead', in_channels=512, num_joints=98,
                 decoder=dict(type='RegressionLabel', input_size=(64, 64))), {}),
    'ipr': (None, dict(type='IntegralRegressionHead', **INTEGRAL),
            dict(shift_heatmap=True, heatmap_score_radius=1.5)),
    'dsnt': (None, dict(type='DSNTHead', **INTEGRAL), dict(shift_heatmap=True)),
    # RTMPose's head as the face configs set it, small: scores are the SimCC maxima
    'rtmcc': (None, dict(type='RTMCCHead', in_channels=512, out_channels=98, input_size=(64, 64),
                         in_featuremap_size=(2, 2), final_layer_kernel_size=3,
                         gau_cfg=dict(hidden_dims=32, s=16, expansion_factor=2, dropout_rate=0., drop_path=0.,
                                      act_fn='SiLU', use_rel_bias=True, pos_enc=True),
                         loss=dict(type='KLDiscretLoss', use_target_weight=True, beta=10., label_softmax=True),
                         decoder=dict(type='SimCCLabel', input_size=(64, 64), sigma=(5.66, 5.66),
                                      simcc_split_ratio=2.0, normalize=False)), {}),
}


@pytest.fixture(scope='module', params=sorted(HEADS))
def head_model(request):
    neck, head, test_cfg = HEADS[request.param]
    config = Config.fromfile(CONFIG)
    if head is not None:
        config.model.neck = neck
        config.model.head = head
    config.model.test_cfg.update(test_cfg)
    torch.manual_seed(0)
    model = init_model(config)
    with torch.no_grad():  # BN statistics off their defaults, so eval-mode BN is exercised
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
        if head is not None and 'deconv_out_channels' in head:  # peaked heatmaps, not near-uniform ones
            model.head.simplebaseline_head.final_layer.weight.mul_(40)
    return request.param, model


@pytest.mark.parametrize('flip_test', [False, True])
def test_every_head_exports_keypoints_and_scores_of_its_predict(head_model, tmp_path, flip_test):
    name, model = head_model
    path = str(tmp_path / f'{name}.onnx')
    assert export_onnx(model, path, flip_test=flip_test) < 1e-4
    crops = np.random.default_rng(2).integers(0, 256, (4, 3, 64, 64), dtype=np.uint8)
    keypoints, scores = OnnxLandmarkModel(path).run_with_scores(crops)
    expected_keypoints, expected_scores = onnx_export.pytorch_normalised_predictions(model, crops, flip_test)
    assert keypoints.shape == (4, 98, 2) and scores.shape == (4, 98) and scores.dtype == np.float32
    np.testing.assert_allclose(keypoints, expected_keypoints, atol=1e-4)
    np.testing.assert_allclose(scores, expected_scores, atol=1e-4)
    assert np.ptp(keypoints) > 0.05, 'the keypoints vary, so the comparison means something'
    if name in ('rle', 'ipr'):  # scores from sigma / heatmap mass: not constant
        assert np.ptp(scores) > 1e-3 and (scores > 0).all() and (scores < 1).all()
    elif name == 'rtmcc':  # the smaller SimCC maximum: not constant
        assert np.ptp(scores) > 1e-2
    else:
        assert (scores == 1).all()
    other_keypoints, other_scores = onnx_export.pytorch_normalised_predictions(model, crops, not flip_test)
    assert np.abs(other_keypoints - keypoints).max() > 1e-3, 'flip test changes the keypoints'
    if name in ('rle', 'ipr', 'rtmcc'):
        assert np.abs(other_scores - scores).max() > 1e-4, 'flip test changes the scores'


def test_torch_backend_of_the_wrapper_matches_predict_for_every_head(head_model):
    name, model = head_model
    crops = np.random.default_rng(3).integers(0, 256, (2, 3, 64, 64), dtype=np.uint8)
    wrapper = onnx_export.LandmarkExportWrapper(model, flip_test=True).eval()
    with torch.no_grad():
        keypoints, scores = wrapper(torch.from_numpy(crops).float())
    expected_keypoints, expected_scores = onnx_export.pytorch_normalised_predictions(model, crops, True)
    np.testing.assert_allclose(keypoints.numpy(), expected_keypoints, atol=1e-6)
    np.testing.assert_allclose(scores.numpy(), expected_scores, atol=1e-6)


def test_check_fails_on_a_wrong_graph(model, tmp_path, monkeypatch):
    class ForgetsChannelOrder(onnx_export.LandmarkExportWrapper):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.bgr_to_rgb = not self.bgr_to_rgb
    monkeypatch.setattr(onnx_export, 'LandmarkExportWrapper', ForgetsChannelOrder)
    with pytest.raises(OnnxCheckError, match=r'wrong.onnx: onnxruntime differs from PyTorch by .* in keypoints'):
        export_onnx(model, str(tmp_path / 'wrong.onnx'))


def test_check_fails_on_wrong_scores(model, tmp_path, monkeypatch):
    class ScoresOff(onnx_export.LandmarkExportWrapper):
        def forward(self, crops):
            keypoints, scores = super().forward(crops)
            return keypoints, scores * 0.99
    monkeypatch.setattr(onnx_export, 'LandmarkExportWrapper', ScoresOff)
    with pytest.raises(OnnxCheckError,
                       match=r'scores.onnx: onnxruntime differs from PyTorch by 0.01 in scores \(relative'):
        export_onnx(model, str(tmp_path / 'scores.onnx'))


def test_score_check_is_relative_to_the_score_for_logits_above_one():
    """SimCC scores are logits (19-45 for random RTMPose-m weights): float32 sums in another
    order differ there by about 2.5e-4, 6e-6 of the score; below 1 the check stays absolute."""
    keypoints = np.zeros((2, 3, 2), np.float32)
    logits = np.array([[19.0, 30.0, 44.6]] * 2)
    near = onnx_export.export_differences(keypoints, keypoints, logits, logits + 2.5e-4)
    assert near['keypoints'] == 0 and near['scores'] == pytest.approx(2.5e-4 / 19.0, rel=1e-3)
    assert near['scores'] < onnx_export.MAX_ALLOWED_DIFFERENCE
    probabilities = np.array([[0.5, 0.9, 0.2]] * 2)
    off = onnx_export.export_differences(keypoints, keypoints + 2e-4, probabilities, probabilities + 2e-4)
    assert off['keypoints'] == pytest.approx(2e-4) and off['scores'] == pytest.approx(2e-4)
    assert off['scores'] > onnx_export.MAX_ALLOWED_DIFFERENCE


def test_a_head_without_predict_normalised_is_refused(model):
    with pytest.raises(TypeError, match='Identity cannot be exported'):
        onnx_export.LandmarkExportWrapper(types.SimpleNamespace(head=torch.nn.Identity()), flip_test=False)


def test_demo_with_onnx_matches_pytorch(model, checkpoint, tmp_path):
    path = str(tmp_path / 'flip.onnx')
    export_onnx(model, path, flip_test=bool(model.test_cfg.get('flip_test')))
    image = cv2.imread(FOOTBALL)
    boxes = np.array([[434, 106, 524, 196], [229, 22, 303, 96], [-20, 600, 80, 700]], np.float32)
    with_torch, torch_scores = FaceLandmarker(CONFIG, checkpoint, batch_size=2, backend='torch').predict(image, boxes)
    with_onnx, onnx_scores = FaceLandmarker(CONFIG, onnx_file=path, batch_size=2).predict(image, boxes)
    # image pixels: 1e-4 of the ~110 px crops is 0.011 px
    np.testing.assert_allclose(with_onnx, with_torch, atol=0.011)
    assert onnx_scores.shape == (3, 98)
    np.testing.assert_allclose(onnx_scores, torch_scores, atol=1e-4)

    # a file exported before the scores output existed still runs: keypoints, no scores
    graph = onnx.load(path)
    graph.graph.output.pop()
    old_path = str(tmp_path / 'keypoints_only.onnx')
    onnx.save(graph, old_path)
    old = OnnxLandmarkModel(old_path)
    assert not old.has_scores
    with pytest.raises(RuntimeError, match='keypoints_only.onnx: this export has no "scores" output'):
        old.run_with_scores(np.zeros((1, 3, 64, 64), np.uint8))
    old_keypoints, old_scores = FaceLandmarker(CONFIG, onnx_file=old_path, batch_size=2).predict(image, boxes)
    np.testing.assert_array_equal(old_keypoints, with_onnx)
    assert old_scores is None
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
    assert 'output scores:    (B, 98) float32' in printed
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
        assert ('benchmarks/onnx_flip_test_cost.py' in printed) == (flag is not None)
