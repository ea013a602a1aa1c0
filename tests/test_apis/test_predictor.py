"""The prediction core: every backend gives the published path's landmarks, and the shells are it."""
import copy

import cv2
import numpy as np
import pytest
import torch

from mmpose_face.apis import inference_topdown
from mmpose_face.apis.onnx_export import export_onnx
from mmpose_face.apis.head_pose import MEAN_FACE_68, camera_matrix, rotation_from_angles
from mmpose_face.apis.predictor import FaceLandmarks, LandmarkPredictor, prepare_face_crops

CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'
FOOTBALL = 'tests/data/36_Football_americanfootball_ball_36_415.jpg'
BOXES = np.array([[434, 106, 524, 196], [229, 22, 303, 96], [-20, 600, 80, 700]], np.float32)


@pytest.fixture(scope='module')
def model(tiny_model):  # tests/test_apis/conftest.py
    return tiny_model


def test_published_backend_is_the_models_test_step(model):
    """Bit for bit what the model's own test_step gives (mmpose's path); other batch sizes
    to float rounding (the convolutions sum in another order)."""
    from mmengine.dataset import pseudo_collate
    image = cv2.imread(FOOTBALL)
    with torch.no_grad():
        expected = model.test_step(pseudo_collate(prepare_face_crops(model.cfg, model.dataset_meta, image, BOXES)))
    for batch_size in (None, 1, 2):
        landmarks = LandmarkPredictor(model, batch_size=batch_size).predict(image, BOXES)
        assert landmarks.keypoints.shape == (3, 98, 2) and landmarks.keypoint_scores.shape == (3, 98)
        for sample, reference in zip(landmarks.data_samples, expected):
            if batch_size is None:
                np.testing.assert_array_equal(sample.pred_instances.keypoints, reference.pred_instances.keypoints)
            else:
                np.testing.assert_allclose(sample.pred_instances.keypoints, reference.pred_instances.keypoints,
                                           atol=1e-4)
    for sample, reference in zip(inference_topdown(model, image, BOXES), expected):
        np.testing.assert_array_equal(sample.pred_instances.keypoints, reference.pred_instances.keypoints)


def test_torch_and_onnxruntime_backends_agree_with_published(model, tmp_path):
    image = cv2.imread(FOOTBALL)
    published = LandmarkPredictor(model).predict(image, BOXES)
    onnx_file = str(tmp_path / 'tiny.onnx')
    export_onnx(model, onnx_file, flip_test=True)
    for predictor in (LandmarkPredictor(model, 'torch', batch_size=2),
                      LandmarkPredictor(model, 'onnxruntime', onnx_file=onnx_file, num_threads=1),
                      LandmarkPredictor(backend='onnxruntime', onnx_file=onnx_file, config=CONFIG)):
        landmarks = predictor.predict(image, BOXES)
        np.testing.assert_allclose(landmarks.keypoints, published.keypoints, atol=0.01)  # px of ~110 px crops
        np.testing.assert_allclose(landmarks.keypoint_scores, published.keypoint_scores, atol=1e-4)
        # the data samples carry the same image-pixel keypoints, as the published path's do
        np.testing.assert_array_equal(landmarks.data_samples[1].pred_instances.keypoints[0], landmarks.keypoints[1])
    assert np.ptp(published.keypoints) > 10, 'the points spread: the comparison means something'


def test_no_boxes_is_no_faces_and_none_is_the_whole_image(model):
    image = cv2.imread(FOOTBALL)
    empty = LandmarkPredictor(model).predict(image, np.zeros((0, 4)))
    assert empty.keypoints.shape == (0, 98, 2) and empty.data_samples == []
    whole = LandmarkPredictor(model).predict(image, None)
    np.testing.assert_array_equal(whole.data_samples[0].pred_instances.keypoints,
                                  inference_topdown(model, image)[0].pred_instances.keypoints)
    # mmpose's inference_topdown: an empty list also means the whole image
    np.testing.assert_array_equal(inference_topdown(model, image, [])[0].pred_instances.keypoints,
                                  whole.data_samples[0].pred_instances.keypoints)


def test_bad_arguments_are_refused(model, tmp_path):
    with pytest.raises(ValueError, match='backend must be one of'):
        LandmarkPredictor(model, 'tensorrt')
    with pytest.raises(ValueError, match='batch_size must be >= 1'):
        LandmarkPredictor(model, batch_size=0)
    with pytest.raises(ValueError, match='needs a model'):
        LandmarkPredictor(backend='torch')
    onnx_file = str(tmp_path / 'tiny.onnx')
    export_onnx(model, onnx_file)
    config = copy.deepcopy(model.cfg)  # Config.copy is shallow: the shared model's config would change
    config.model.head.decoder.input_size = (32, 32)
    with pytest.raises(ValueError, match=r'tiny.onnx: takes \(64, 64\) crops but the config crops \(32, 32\)'):
        LandmarkPredictor(backend='onnxruntime', onnx_file=onnx_file, config=config)


def test_face_landmarks_give_head_poses_for_layouts_with_a_3d_face():
    rotation_vector = cv2.Rodrigues(rotation_from_angles(20, -10, 5))[0]
    points, _ = cv2.projectPoints(MEAN_FACE_68, rotation_vector, np.array([0., 0., 600.]),
                                  camera_matrix((640, 480)), None)
    landmarks = FaceLandmarks(points.reshape(1, 68, 2).astype(np.float32), None, [])
    [pose] = landmarks.head_poses((640, 480))
    np.testing.assert_allclose([pose['yaw'], pose['pitch'], pose['roll']], [20, -10, 5], atol=0.1)
    assert FaceLandmarks(np.zeros((1, 106, 2), np.float32), None, []).head_poses((640, 480)) == [None]


def test_faces_of_several_images_go_through_the_backend_together(model, tmp_path):
    image = cv2.imread(FOOTBALL)
    onnx_file = str(tmp_path / 'tiny.onnx')
    export_onnx(model, onnx_file, flip_test=True)
    predictor = LandmarkPredictor(model, 'onnxruntime', onnx_file=onnx_file, num_threads=1)
    calls = []
    run = predictor.normalised
    predictor.normalised = lambda crops: calls.append(len(crops)) or run(crops)
    flipped = np.ascontiguousarray(image[:, ::-1])
    per_image = predictor.predict_images([image, flipped, image], [BOXES[:2], np.zeros((0, 4)), BOXES])
    assert calls == [5]  # 2 + 0 + 3 faces in one call
    assert [len(landmarks.keypoints) for landmarks in per_image] == [2, 0, 3]
    for landmarks, boxes in zip(per_image, [BOXES[:2], None, BOXES]):
        if boxes is not None:
            alone = LandmarkPredictor(model).predict(image, boxes)  # the published path, one image
            np.testing.assert_allclose(landmarks.keypoints, alone.keypoints, atol=0.01)
            np.testing.assert_allclose(landmarks.keypoint_scores, alone.keypoint_scores, atol=1e-4)
    predictor.batch_size = 2
    calls.clear()
    predictor.predict_images([image, image], [BOXES, BOXES])
    assert calls == [2, 2, 2]  # batch_size faces per call, across the images
    with pytest.raises(ValueError, match='2 images but 1 box lists'):
        predictor.predict_images([image, image], [BOXES])
