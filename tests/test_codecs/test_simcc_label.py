"""SimCCLabel: mmpose's SimCC codec (arguments, errors, targets, decoding). Its encode_batch and
decode round trip are in test_base_keypoint_codec.py; values against mmpose 1.3.2 itself in
tests/test_models/test_regression_family_mmpose.py."""
import numpy as np
import pytest
import torch

from mmpose_face.codecs import SimCCLabel
from mmpose_face.registry import KEYPOINT_CODECS


def test_sizes_and_defaults_are_mmpose():
    codec = KEYPOINT_CODECS.build(dict(type='SimCCLabel', input_size=(64, 48)))
    assert (codec.smoothing_type, codec.simcc_split_ratio, codec.normalize, codec.use_dark) == ('gaussian', 2.0,
                                                                                               True, False)
    assert codec.sigma.tolist() == [6.0, 6.0] and codec.simcc_size == (128, 96)
    assert SimCCLabel((64, 48), sigma=(2.0, 3.0)).sigma.tolist() == [2.0, 3.0]
    encoded = codec.encode(np.array([[[10.0, 20.0]]], np.float32))
    assert encoded['keypoint_x_labels'].shape == (1, 1, 128) and encoded['keypoint_y_labels'].shape == (1, 1, 96)


@pytest.mark.parametrize('kwargs, message', [
    (dict(smoothing_type='laplace'), 'smoothing_type'),
    (dict(label_smooth_weight=0.1), 'standard'),
    (dict(smoothing_type='standard', label_smooth_weight=1.5), r'\[0, 1\]'),
])
def test_bad_settings_raise_value_error_as_mmpose(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SimCCLabel((64, 48), **kwargs)


def test_gaussian_labels_peak_at_the_rounded_bin_with_unit_area_when_normalised():
    keypoints = np.array([[[10.3, 20.8]]], np.float32)  # bins round(20.6) = 21, round(41.6) = 42
    for normalize in (True, False):
        encoded = SimCCLabel((64, 48), sigma=(2.0, 3.0), normalize=normalize).encode(keypoints)
        x, y = encoded['keypoint_x_labels'][0, 0], encoded['keypoint_y_labels'][0, 0]
        assert x.argmax() == 21 and y.argmax() == 42
        peak_x = 1 / (2.0 * np.sqrt(2 * np.pi)) if normalize else 1.0
        assert x.max() == pytest.approx(peak_x, rel=1e-6)
        if normalize:
            assert x.sum() == pytest.approx(1.0, rel=1e-4) and y.sum() == pytest.approx(1.0, rel=1e-4)
        assert x[23] == pytest.approx(peak_x * np.exp(-4 / 8), rel=1e-6)  # 2 bins = one sigma_x


def test_standard_labels_are_one_hot_spread_by_the_smoothing_weight():
    keypoints = np.array([[[10.0, 20.0], [70.0, 5.0]]], np.float32)  # the second is off the crop
    encoded = SimCCLabel((64, 48), smoothing_type='standard', label_smooth_weight=0.1).encode(keypoints)
    x = encoded['keypoint_x_labels'][0]
    assert x[0, 20] == np.float32(0.9) and x[0, 0] == np.float32(0.1 / 127)
    assert not x[1].any() and encoded['keypoint_weights'].tolist() == [[1.0, 0.0]]


def test_weights_are_the_visibility_and_zero_where_the_label_misses_the_vector():
    keypoints = np.array([[[10.0, 10.0], [10.0, 10.0], [-20.0, 10.0], [-5.0, 10.0]]], np.float32)
    visible = np.array([[1.0, 0.3, 1.0, 1.0]], np.float32)
    encoded = SimCCLabel((64, 48), sigma=2.0).encode(keypoints, visible)
    # a point with visibility < 0.5 gets no label but keeps its weight (mmpose); -5 px is bin
    # -10, whose 3-sigma span (6 bins) ends before bin 0
    assert encoded['keypoint_weights'].tolist() == [[1.0, pytest.approx(0.3), 0.0, 0.0]]
    assert not encoded['keypoint_x_labels'][0, 1:].any()
    near = SimCCLabel((64, 48), sigma=2.0).encode(np.array([[[-3.0, 10.0]]], np.float32))  # bin -6
    assert near['keypoint_weights'].tolist() == [[1.0]] and near['keypoint_x_labels'][0, 0, 0] > 0


def test_decode_takes_one_face_or_several_and_scores_the_smaller_maximum():
    codec = SimCCLabel((8, 8), sigma=1.0)
    simcc_x, simcc_y = np.zeros((2, 16), np.float32), np.zeros((2, 16), np.float32)
    simcc_x[0, 5], simcc_y[0, 9] = 0.8, 0.6
    simcc_x[1, 3], simcc_y[1] = 0.5, -1.0  # a non-positive maximum: location -1, as mmpose
    keypoints, scores = codec.decode(simcc_x, simcc_y)
    assert keypoints.shape == (1, 2, 2) and keypoints.dtype == np.float32
    assert keypoints[0].tolist() == [[2.5, 4.5], [-0.5, -0.5]]
    assert scores[0].tolist() == [pytest.approx(0.6), -1.0]
    batched, _ = codec.decode(simcc_x[None].repeat(3, 0), simcc_y[None].repeat(3, 0))
    assert batched.shape == (3, 2, 2)
    with pytest.raises(ValueError, match='SimCCLabel.decode'):
        codec.decode(simcc_x[0], simcc_y)


def test_dark_finds_the_sub_bin_centre_of_a_gaussian():
    codec = SimCCLabel((64, 48), sigma=3.0, use_dark=True)
    bins = torch.arange(128, dtype=torch.float64)
    centre_x, centre_y = 40.3, 60.7
    simcc_x = torch.exp(-(bins - centre_x) ** 2 / 18).float()[None, None].numpy()
    simcc_y = torch.exp(-(bins[:96] - centre_y) ** 2 / 18).float()[None, None].numpy()
    keypoints, _ = codec.decode(simcc_x, simcc_y)
    plain, _ = SimCCLabel((64, 48), sigma=3.0).decode(simcc_x, simcc_y)
    np.testing.assert_allclose(keypoints[0, 0], [centre_x / 2, centre_y / 2], atol=0.01)
    assert plain[0, 0].tolist() == [20.0, 30.5]


def test_decode_visibility_adds_the_softmax_score():
    codec = SimCCLabel((8, 8), sigma=1.0, decode_visibility=True, decode_beta=2.0)
    simcc_x, simcc_y = np.zeros((1, 16), np.float32), np.zeros((1, 16), np.float32)
    simcc_x[0, 5], simcc_y[0, 9] = 1.0, 2.0
    _, (scores, visibility) = codec.decode(simcc_x, simcc_y)
    # softmax of 2 * x: e^2 / (e^2 + 15) for x (the smaller), e^4 / (e^4 + 15) for y
    assert scores.tolist() == [[1.0]]
    assert visibility[0, 0] == pytest.approx(np.exp(2) / (np.exp(2) + 15))


def test_the_pipeline_packs_the_vectors_into_gt_instance_labels():
    from mmpose_face.datasets.transforms import GenerateTarget, PackPoseInputs
    results = dict(img=np.zeros((48, 64, 3), np.uint8), keypoints=np.array([[[10.0, 20.0], [30.0, 5.0]]], np.float32),
                   keypoints_visible=np.ones((1, 2), np.float32), bbox=np.array([[0, 0, 64, 48]], np.float32))
    results = GenerateTarget(encoder=dict(type='SimCCLabel', input_size=(64, 48), sigma=2.0))(results)
    labels = PackPoseInputs()(results)['data_samples'].gt_instance_labels
    assert labels.keypoint_x_labels.shape == (1, 2, 128) and labels.keypoint_y_labels.shape == (1, 2, 96)
    assert labels.keypoint_x_labels.argmax(-1).tolist() == [[20, 60]] and labels.keypoint_weights.shape == (1, 2)


def test_decode_batch_with_dark_exports_to_onnx_and_runs_alike(tmp_path):
    """The head's predict_normalised traces decode_batch into the exported graph."""
    import warnings

    import onnxruntime
    codec = SimCCLabel((64, 48), sigma=3.0, use_dark=True, normalize=False)

    class Decode(torch.nn.Module):
        def forward(self, simcc_x, simcc_y):
            keypoints, scores, _ = codec.decode_batch(simcc_x, simcc_y)
            return keypoints, scores

    rng = np.random.default_rng(0)
    keypoints = rng.uniform(4, [60, 44], (2, 5, 2)).astype(np.float32)
    encoded = codec.encode_batch(torch.from_numpy(keypoints), torch.ones(2, 5))
    simcc_x, simcc_y = (encoded[key] + 0.01 * torch.from_numpy(rng.normal(size=encoded[key].shape).astype(np.float32))
                        for key in ('keypoint_x_labels', 'keypoint_y_labels'))
    path = str(tmp_path / 'decode.onnx')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.onnx.export(Decode(), (simcc_x, simcc_y), path, dynamo=False, opset_version=17,
                          input_names=['x', 'y'], output_names=['keypoints', 'scores'])
    onnx_keypoints, onnx_scores = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider']).run(
        None, dict(x=simcc_x.numpy(), y=simcc_y.numpy()))
    expected_keypoints, expected_scores, _ = codec.decode_batch(simcc_x, simcc_y)
    np.testing.assert_allclose(onnx_keypoints, expected_keypoints.numpy(), atol=1e-3)  # crop pixels
    np.testing.assert_allclose(onnx_scores, expected_scores.numpy(), atol=1e-6)
    # DARK finds the Gaussians' centres, the keypoints' bins
    np.testing.assert_allclose(expected_keypoints.numpy(), np.round(keypoints * 2) / 2, atol=0.05)
