"""The faster CPU backends give the published path's predictions (to float rounding)."""
import cv2
import numpy as np
import pytest

from mmpose_face.apis import inference_topdown
from mmpose_face.apis.fast_inference import FastFaceLandmarks

FOOTBALL = 'tests/data/36_Football_americanfootball_ball_36_415.jpg'
BOXES = np.array([[434, 106, 524, 196], [229, 22, 303, 96], [-20, 600, 80, 700]], np.float32)


@pytest.fixture(scope='module')
def model(tiny_model):
    return tiny_model


@pytest.mark.parametrize('backend', ['torch', 'onnxruntime'])
def test_same_keypoints_as_inference_topdown_with_flip_test(model, backend):
    assert model.test_cfg.get('flip_test')
    image = cv2.imread(FOOTBALL)
    results = inference_topdown(model, image, BOXES)
    expected = np.concatenate([r.pred_instances.keypoints for r in results])
    predictor = FastFaceLandmarks(model, backend, num_threads=1)
    got = predictor(image, BOXES)
    assert got.shape == (3, 98, 2)
    np.testing.assert_allclose(got, expected, atol=0.01)  # pixels of ~110 px crops
    keypoints, scores = predictor.predict(image, BOXES)
    np.testing.assert_array_equal(keypoints, got)
    np.testing.assert_allclose(scores, np.concatenate([r.pred_instances.keypoint_scores for r in results]),
                               atol=1e-4)  # every head's scores: tests/test_apis/test_onnx_export.py
    # without flip test the answer changes: the flip really is inside the module
    plain = FastFaceLandmarks(model, backend, flip_test=False, num_threads=1)(image, BOXES)
    assert np.abs(plain - expected).max() > 0.01
    assert predictor(image, np.zeros((0, 4))).shape == (0, 98, 2)
    assert predictor.predict(image, np.zeros((0, 4)))[1].shape == (0, 98)


def test_unknown_backend(model):
    with pytest.raises(ValueError, match='backend must be one of'):
        FastFaceLandmarks(model, 'tensorrt')
