"""The WFLW data pipeline, step by step, on the real samples and synthetic images.

WFLWDataset -> LoadImage -> GetBBoxCenterScale -> RandomFlip ->
RandomBBoxTransform -> TopdownAffine -> GenerateTarget -> PackPoseInputs.
Each transform takes the results dict and returns it.
"""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from mmpose_face.datasets import WFLWAnnotationError, WFLWDataset
from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.datasets.transforms import (GenerateTarget, GetBBoxCenterScale, ImageLoadError, LoadImage,
                                             PackPoseInputs, RandomBBoxTransform, RandomFlip, TopdownAffine)
from mmpose_face.registry import TRANSFORMS
from mmpose_face.structures import PoseDataSample, get_warp_matrix

REPO_ROOT = Path(__file__).resolve().parents[3]
DATA_DIR = REPO_ROOT / 'tests' / 'data'
ANN_FILE = DATA_DIR / 'test_wflw.json'

# WFLW's mirror pairs: jaw k <-> 32 - k, brows, nose wings, eyes, lips, pupils.
EXPECTED_PAIRS = ([(k, 32 - k) for k in range(16)]
                  + [(33, 46), (34, 45), (35, 44), (36, 43), (37, 42), (38, 50), (39, 49), (40, 48), (41, 47)]
                  + [(55, 59), (56, 58)]
                  + [(60, 72), (61, 71), (62, 70), (63, 69), (64, 68), (65, 75), (66, 74), (67, 73)]
                  + [(76, 82), (77, 81), (78, 80), (83, 87), (84, 86), (88, 92), (89, 91), (93, 95)]
                  + [(96, 97)])
ON_THE_AXIS = [16, 51, 52, 53, 54, 57, 79, 85, 90, 94]


@pytest.fixture(scope='module')
def wflw_meta():
    return load_dataset_info('configs/_base_/datasets/wflw.py')


@pytest.fixture(scope='module')
def dataset():
    """The 4 real faces, no pipeline: items are the annotation dicts."""
    return WFLWDataset(ann_file=str(ANN_FILE), data_prefix=dict(img=str(DATA_DIR)), pipeline=[],
                       test_mode=True)


def loaded_face(dataset, index):
    return LoadImage()(dataset.get_data_info(index))


# --------------------------------------------------------------------------- loading
def test_load_image_reads_bgr_and_names_a_missing_or_broken_file(dataset, tmp_path):
    face = loaded_face(dataset, 0)
    assert face['img'].dtype == np.uint8 and face['img'].shape == (661, 1024, 3)
    assert face['img_shape'] == face['ori_shape'] == (661, 1024)
    np.testing.assert_array_equal(face['img'], cv2.imread(face['img_path']))  # BGR, as OpenCV reads it
    with pytest.raises(ImageLoadError, match=r'no_face\.jpg: cannot read image'):
        LoadImage()(dict(img_path=str(tmp_path / 'no_face.jpg')))
    broken = tmp_path / 'broken.jpg'
    broken.write_bytes(b'not a jpeg at all')
    with pytest.raises(ImageLoadError, match=r'broken\.jpg: not a decodable image \(17 bytes\)'):
        LoadImage()(dict(img_path=str(broken)))


# --------------------------------------------------------------------------- flip pairs
def test_wflw_flip_pairs_are_the_known_symmetric_pairs(wflw_meta):
    flip_indices = wflw_meta['flip_indices']
    assert wflw_meta['num_keypoints'] == 98 and len(flip_indices) == 98
    assert all(flip_indices[flip_indices[k]] == k for k in range(98))  # an involution
    assert sorted({tuple(sorted(pair)) for pair in wflw_meta['flip_pairs']}) == sorted(EXPECTED_PAIRS)
    assert [k for k in range(98) if flip_indices[k] == k] == ON_THE_AXIS
    assert (flip_indices[0], flip_indices[60], flip_indices[96]) == (32, 72, 97)


def test_flipping_twice_is_the_identity_on_real_faces(dataset):
    flip = RandomFlip(prob=1.0)
    for index in range(len(dataset)):
        original = loaded_face(dataset, index)
        image, keypoints = original['img'].copy(), original['keypoints'].copy()
        center, bbox = original['bbox_center'].copy(), original['bbox'].copy()
        once = flip(dict(original, keypoints=keypoints.copy(), img=image.copy()))
        assert once['flip'] and once['flip_direction'] == 'horizontal'
        assert not np.allclose(once['keypoints'], keypoints)
        twice = flip(once)
        np.testing.assert_array_equal(twice['img'], image)
        np.testing.assert_allclose(twice['keypoints'], keypoints, atol=1e-4)
        np.testing.assert_allclose(twice['bbox_center'], center, atol=1e-4)
        np.testing.assert_allclose(twice['bbox'], bbox, atol=1e-4)


def test_after_a_flip_the_landmarks_keep_their_meaning(dataset):
    """Point 60 (outer corner of the eye on the image's left) stays left of 72;
    the flipped image shows at each flipped point what the original shows there."""
    flip = RandomFlip(prob=1.0)
    for index in range(len(dataset)):
        original = loaded_face(dataset, index)
        image, keypoints = original['img'].copy(), original['keypoints'][0].copy()
        assert keypoints[60, 0] < keypoints[72, 0]
        flipped = flip(dict(original))
        flipped_keypoints = flipped['keypoints'][0]
        assert flipped_keypoints[60, 0] < flipped_keypoints[72, 0]
        assert flipped_keypoints[0, 0] < flipped_keypoints[32, 0]  # jaw starts on the left
        width = image.shape[1]
        np.testing.assert_allclose(flipped_keypoints[72], [width - 1 - keypoints[60, 0], keypoints[60, 1]],
                                   atol=1e-4)
        # the box centre mirrors like a keypoint (pixel x -> width - 1 - x)
        center = original['bbox_center'][0]
        np.testing.assert_allclose(flipped['bbox_center'][0], [width - 1 - center[0], center[1]], atol=1e-4)
        for k in range(98):
            x, y = np.round(keypoints[dataset.metainfo['flip_indices'][k]]).astype(int)
            fx, fy = np.round(flipped_keypoints[k]).astype(int)
            np.testing.assert_array_equal(flipped['img'][fy, fx], image[y, x])


def test_random_flip_probability_zero_changes_nothing(dataset):
    face = loaded_face(dataset, 0)
    keypoints = face['keypoints'].copy()
    result = RandomFlip(prob=0.0)(face)
    assert result['flip'] is False and result['flip_direction'] is None
    np.testing.assert_array_equal(result['keypoints'], keypoints)


def test_only_horizontal_flips_are_accepted():
    with pytest.raises(ValueError, match='vertical'):
        RandomFlip(direction='vertical')


# --------------------------------------------------------------------------- box
def test_get_bbox_center_scale_pads_the_dataset_box():
    results = GetBBoxCenterScale(padding=1.25)(dict(
        bbox_center=np.array([[100., 50.]], np.float32), bbox_scale=np.array([[80., 80.]], np.float32)))
    np.testing.assert_allclose(results['bbox_center'], [[100, 50]])
    np.testing.assert_allclose(results['bbox_scale'], [[100, 100]])


def test_get_bbox_center_scale_from_corners():
    results = GetBBoxCenterScale(padding=1.25)(dict(bbox=np.array([[10., 20., 50., 100.]], np.float32)))
    np.testing.assert_allclose(results['bbox_center'], [[30, 60]])
    np.testing.assert_allclose(results['bbox_scale'], [[50, 100]])


def test_random_bbox_transform_ranges_and_probabilities():
    np.random.seed(0)
    transform = RandomBBoxTransform(shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25),
                                    rotate_factor=60, rotate_prob=0.6)
    shift, scale, rotation = transform.sample_parameters(20000)
    assert shift.shape == (20000, 2) and scale.shape == (20000, 1) and rotation.shape == (20000, )
    assert np.abs(shift).max() <= 0.16 and np.abs(rotation).max() <= 60
    assert scale.min() >= 0.75 and scale.max() <= 1.25
    assert np.mean(np.any(shift != 0, axis=1)) == pytest.approx(0.3, abs=0.015)
    assert np.mean(rotation != 0) == pytest.approx(0.6, abs=0.015)
    assert np.mean(scale != 1) == 1.0  # scale_prob defaults to 1
    # a normal truncated to [-1, 1] has std 0.538 (a uniform one would have 0.577)
    assert np.std(rotation[rotation != 0] / 60) == pytest.approx(0.538, abs=0.01)
    assert np.std((scale - 1) / 0.25) == pytest.approx(0.538, abs=0.01)


def test_random_bbox_transform_moves_the_box_by_its_size():
    transform = RandomBBoxTransform(shift_prob=1.0, rotate_prob=1.0)
    np.random.seed(3)
    shift, scale, rotation = transform.sample_parameters(1)
    np.random.seed(3)
    results = transform(dict(bbox_center=np.array([[100., 200.]], np.float32),
                             bbox_scale=np.array([[50., 40.]], np.float32)))
    np.testing.assert_allclose(results['bbox_center'], [[100 + 50 * shift[0, 0], 200 + 40 * shift[0, 1]]],
                               rtol=1e-6)
    np.testing.assert_allclose(results['bbox_scale'], [[50 * scale[0, 0], 40 * scale[0, 0]]], rtol=1e-6)
    np.testing.assert_allclose(results['bbox_rotation'], rotation)
    assert rotation[0] != 0 and np.all(shift != 0)


# --------------------------------------------------------------------------- affine
def gaussian_dot(shape, x, y, sigma=3.0):
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    dot = np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma ** 2)) * 255
    return np.repeat(dot[..., None], 3, axis=2).astype(np.uint8)


def centroid(image):
    weights = image[..., 0].astype(np.float64)
    ys, xs = np.mgrid[0:image.shape[0], 0:image.shape[1]]
    return np.array([(xs * weights).sum(), (ys * weights).sum()]) / weights.sum()


@pytest.mark.parametrize('rotation, input_size', [(0.0, (64, 64)), (30.0, (64, 64)), (-75.0, (48, 64))])
def test_topdown_affine_moves_keypoints_with_the_image(rotation, input_size):
    dot = np.array([[131.3, 74.6]], np.float32)
    image = gaussian_dot((160, 240), *dot[0], sigma=5.0)
    results = TopdownAffine(input_size=input_size)(dict(
        img=image, keypoints=dot[None], keypoints_visible=np.ones((1, 1), np.float32),
        bbox_center=np.array([[120., 80.]], np.float32), bbox_scale=np.array([[90., 90.]], np.float32),
        bbox_rotation=np.array([rotation], np.float32)))
    w, h = input_size
    assert results['img'].shape == (h, w, 3)
    assert results['input_size'] == (w, h)
    # the box is widened to the crop's aspect ratio, never shrunk
    np.testing.assert_allclose(results['input_scale'], [90, 90 * h / w] if h > w else [90, 90])
    transformed = results['transformed_keypoints'][0, 0]
    peak = np.unravel_index(np.argmax(results['img'][..., 0]), (h, w))[::-1]
    assert np.abs(np.array(peak) - transformed).max() <= 1.0
    assert np.abs(centroid(results['img']) - transformed).max() < 0.3
    if rotation == 0.0:  # by hand: crop = (p - centre) * 64 / 90 + 32
        np.testing.assert_allclose(transformed, (dot[0] - [120, 80]) * 64 / 90 + 32, atol=1e-3)


def test_warp_matrix_inverse():
    center, scale = np.array([311.5, 207.25]), np.array([150.0, 200.0])
    forward = np.vstack([get_warp_matrix(center, scale, 37.0, (48, 64)), [0, 0, 1]])
    inverse = np.vstack([get_warp_matrix(center, scale, 37.0, (48, 64), inv=True), [0, 0, 1]])
    np.testing.assert_allclose(forward @ inverse, np.eye(3), atol=1e-5)
    # the box centre goes to the crop centre and back
    np.testing.assert_allclose(forward @ [*center, 1], [24, 32, 1], atol=1e-3)
    np.testing.assert_allclose(inverse @ [24, 32, 1], [*center, 1], atol=1e-3)
    # scale: the box width (150 px) spans the crop width (48 px)
    assert np.linalg.norm(forward[:2, 0]) == pytest.approx(48 / 150, rel=1e-5)


def test_positive_rotation_turns_the_face_counter_clockwise_in_the_crop():
    """mmpose's convention: with rot = 90, what is above the box centre in the
    image appears left of the crop centre, what is right of it appears above."""
    warp = get_warp_matrix(np.array([100.0, 100.0]), np.array([80.0, 80.0]), 90.0, (64, 64))
    np.testing.assert_allclose(warp @ [100, 80, 1], [16, 32], atol=1e-4)   # 20 px up -> 16 px left
    np.testing.assert_allclose(warp @ [120, 100, 1], [32, 16], atol=1e-4)  # 20 px right -> 16 px up


# --------------------------------------------------------------------------- the whole pipeline
def test_training_pipeline_packs_inputs_and_targets(dataset):
    codec = dict(type='RegressionLabel', input_size=(64, 64))
    steps = [LoadImage(), GetBBoxCenterScale(), RandomFlip(prob=1.0),
             TopdownAffine(input_size=(64, 64)), GenerateTarget(encoder=codec), PackPoseInputs()]
    results = dataset.get_data_info(1)
    for step in steps:
        results = step(results)
    inputs, sample = results['inputs'], results['data_samples']
    assert isinstance(inputs, torch.Tensor) and inputs.shape == (3, 64, 64) and inputs.dtype == torch.uint8
    assert isinstance(sample, PoseDataSample)
    assert sample.gt_instances.keypoints.shape == (1, 98, 2)  # image pixels, for the metric
    assert sample.gt_instances.keypoints_visible.shape == (1, 98)
    assert sample.gt_instances.bboxes.shape == (1, 4)
    labels = sample.gt_instance_labels.keypoint_labels
    assert isinstance(labels, torch.Tensor) and labels.shape == (1, 98, 2)
    assert sample.gt_instance_labels.keypoint_weights.shape == (1, 98)
    assert 0 < labels.min() and labels.max() < 1  # the padded box holds the whole face
    for key in ('id', 'img_id', 'img_path', 'input_size', 'input_center', 'input_scale', 'flip',
                'flip_indices', 'ori_shape', 'img_shape'):
        assert key in sample.metainfo, key
    assert sample.id == dataset.get_data_info(1)['id'] and sample.flip is True
    assert sample.input_size == (64, 64)
    np.testing.assert_allclose(sample.input_scale, dataset.get_data_info(1)['bbox_scale'][0] * 1.25)


def test_transforms_are_registered_under_their_mmpose_names():
    for name in ('LoadImage', 'GetBBoxCenterScale', 'RandomFlip', 'RandomBBoxTransform', 'TopdownAffine',
                 'GenerateTarget', 'PackPoseInputs'):
        assert TRANSFORMS.get(name) is not None, name


# --------------------------------------------------------------------------- WFLWDataset
def test_wflw_dataset_reads_the_sample_file(dataset):
    with open(ANN_FILE) as f:
        annotations = json.load(f)['annotations']
    assert len(dataset) == 4
    assert len(dataset.metainfo['flip_indices']) == 98 and dataset.metainfo['dataset_name'] == 'wflw'
    for index, ann in enumerate(annotations):
        item = dataset.get_data_info(index)
        assert item['id'] == ann['id'] and item['img_id'] == ann['image_id']
        assert Path(item['img_path']).is_file()
        np.testing.assert_allclose(item['bbox_center'], [ann['center']])
        np.testing.assert_allclose(item['bbox_scale'], [[ann['scale'] * 200] * 2], rtol=1e-6)
        np.testing.assert_allclose(item['keypoints'][0], np.reshape(ann['keypoints'], (98, 3))[:, :2], atol=1e-3)
        assert item['keypoints_visible'].shape == (1, 98) and (item['keypoints_visible'] == 1).all()
        assert item['attributes'] is None  # this file has no WFLW attribute flags
        assert item['flip_indices'] == dataset.metainfo['flip_indices']


def test_wflw_dataset_crops_from_face_rectangle(tmp_path):
    with open(ANN_FILE) as f:
        coco = json.load(f)
    rectangles = []
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        ann['face_rectangle'] = [x - 5, y - 8, x + w + 3, y + h + 2]
        rectangles.append(ann['face_rectangle'])
    ann_file = tmp_path / 'with_rectangles.json'
    ann_file.write_text(json.dumps(coco))
    dataset = WFLWDataset(ann_file=str(ann_file), data_prefix=dict(img=str(DATA_DIR)), pipeline=[],
                          crop_from='face_rectangle', test_mode=True)
    item = dataset.get_data_info(2)
    np.testing.assert_allclose(item['bbox'], [rectangles[2]], rtol=1e-6)
    assert 'bbox_center' not in item  # GetBBoxCenterScale derives it from the rectangle
    x1, y1, x2, y2 = rectangles[2]
    boxed = GetBBoxCenterScale(padding=1.25)(item)
    np.testing.assert_allclose(boxed['bbox_center'], [[(x1 + x2) / 2, (y1 + y2) / 2]], rtol=1e-5)
    np.testing.assert_allclose(boxed['bbox_scale'], [[(x2 - x1) * 1.25, (y2 - y1) * 1.25]], rtol=1e-5)


def test_face_rectangle_crops_need_the_rectangle():
    with pytest.raises(WFLWAnnotationError, match=r'test_wflw\.json: annotation id 2: .*face_rectangle'):
        WFLWDataset(ann_file=str(ANN_FILE), data_prefix=dict(img=str(DATA_DIR)), pipeline=[],
                    crop_from='face_rectangle')
