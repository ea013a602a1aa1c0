"""Transforms are mmcv BaseTransforms with mmpose 1.3's arguments, validation and repr.

mmcv's wrappers (RandomApply, KeyMapper ...) can be named in a pipeline in
the mmpose_face scope; mmpose's PhotometricDistortion and Albumentation
are here. Each argument is checked by what it changes.
"""
import builtins
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmcv.transforms import BaseTransform
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmpose_face.datasets import WFLWDataset
from mmpose_face.datasets.transforms import (Albumentation, GenerateTarget, GetBBoxCenterScale, LoadImage,
                                             PackPoseInputs, PhotometricDistortion, RandomBBoxTransform,
                                             RandomFlip, TopdownAffine)
from mmpose_face.errors import OptionalDependencyError
from mmpose_face.registry import TRANSFORMS

DATA_DIR = Path(__file__).resolve().parents[2] / 'tests' / 'data'
ANN_FILE = DATA_DIR / 'test_wflw.json'
CODEC = dict(type='RegressionLabel', input_size=(64, 64))


@pytest.fixture(autouse=True, scope='module')
def mmpose_face_scope():
    init_default_scope('mmpose_face')


@pytest.fixture(scope='module')
def face():
    dataset = WFLWDataset(ann_file=str(ANN_FILE), data_prefix=dict(img=str(DATA_DIR)), pipeline=[],
                          test_mode=True)
    return LoadImage()(dataset.get_data_info(0))


def copy_of(results):
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in results.items()}


def test_every_transform_is_an_mmcv_base_transform():
    for name in ('LoadImage', 'GetBBoxCenterScale', 'RandomFlip', 'RandomBBoxTransform', 'TopdownAffine',
                 'GenerateTarget', 'PackPoseInputs', 'PhotometricDistortion', 'Albumentation'):
        assert issubclass(TRANSFORMS.get(name), BaseTransform), name


def test_reprs_read_like_mmpose():
    assert repr(GetBBoxCenterScale()) == 'GetBBoxCenterScale(padding=1.25)'
    assert repr(RandomFlip(direction='horizontal')) == 'RandomFlip(prob=0.5, direction=horizontal)'
    assert repr(RandomBBoxTransform(scale_factor=[0.75, 1.25], rotate_factor=60)) == (
        'RandomBBoxTransform(shift_prob=0.3, shift_factor=0.16, scale_prob=1.0, scale_factor=[0.75, 1.25], '
        'rotate_prob=0.6, rotate_factor=60)')
    assert repr(TopdownAffine(input_size=(256, 256))) == 'TopdownAffine(input_size=(256, 256), use_udp=False)'
    assert repr(GenerateTarget(encoder=CODEC)) == (
        "GenerateTarget(encoder={'type': 'RegressionLabel', 'input_size': (64, 64)}, "
        'use_dataset_keypoint_weights=False)')
    assert repr(PackPoseInputs(meta_keys=('id', ))) == "PackPoseInputs(meta_keys=('id',), pack_transformed=False)"
    assert repr(PhotometricDistortion()) == ('PhotometricDistortion(brightness_delta=32, contrast_range=(0.5, 1.5), '
                                             'saturation_range=(0.5, 1.5), hue_delta=18)')
    assert repr(LoadImage()) == ("LoadImage(ignore_empty=False, to_float32=False, color_type='color', "
                                 "imdecode_backend='cv2', backend_args=None)")


@pytest.mark.parametrize('prob, error', [(None, ValueError), (1, ValueError), (2.0, AssertionError),
                                         (-0.1, AssertionError), ([0.7, 0.6], AssertionError),
                                         ([0.5], None)])
def test_random_flip_validates_prob_like_mmpose(prob, error):
    direction = ['horizontal'] if isinstance(prob, list) else 'horizontal'
    if error is None:
        RandomFlip(prob=prob, direction=direction)
    else:
        with pytest.raises(error):
            RandomFlip(prob=prob, direction=direction)
    with pytest.raises(AssertionError):
        RandomFlip(direction='sideways')
    with pytest.raises(ValueError):
        RandomFlip(direction=3)


def test_random_flip_with_a_list_of_probabilities_flips_as_often(face):
    np.random.seed(0)
    flip = RandomFlip(prob=[1.0], direction=['horizontal'])
    assert flip(copy_of(face))['flip'] and flip(copy_of(face))['flip_direction'] == 'horizontal'
    never = RandomFlip(prob=[0.0], direction=['horizontal'])
    assert not never(copy_of(face))['flip']


def test_random_bbox_transform_builds_with_mmpose_test_arguments(face):
    np.random.seed(1)
    face = GetBBoxCenterScale()(copy_of(face))
    shifted = RandomBBoxTransform(shift_factor=0.16, shift_prob=1.0, scale_prob=0.0, rotate_prob=0.0)(copy_of(face))
    offset = np.abs(shifted['bbox_center'] - face['bbox_center'])
    assert np.all(offset <= face['bbox_scale'] * 0.16) and np.any(offset > 0)
    np.testing.assert_array_equal(shifted['bbox_scale'], face['bbox_scale'])
    assert np.all(shifted['bbox_rotation'] == 0)


def test_topdown_affine_validates_input_size_like_mmpose():
    for bad in ((256, ), (256.0, 256.0), 256):
        with pytest.raises(AssertionError):
            TopdownAffine(input_size=bad)


def test_load_image_arguments(face, tmp_path):
    path = face['img_path']
    as_float = LoadImage(to_float32=True)(dict(img_path=path))
    assert as_float['img'].dtype == np.float32 and np.array_equal(as_float['img'], face['img'])
    gray = LoadImage(color_type='grayscale')(dict(img_path=path))
    assert gray['img'].shape == face['img'].shape[:2]
    np.testing.assert_allclose(gray['img'], cv2.imread(path, cv2.IMREAD_GRAYSCALE), atol=1)
    pillow = LoadImage(imdecode_backend='pillow')(dict(img_path=path))
    assert pillow['img'].shape == face['img'].shape
    local = LoadImage(backend_args=dict(backend='local'))(dict(img_path=path))
    np.testing.assert_array_equal(local['img'], face['img'])
    missing = str(tmp_path / 'missing.jpg')
    assert LoadImage(ignore_empty=True)(dict(img_path=missing)) is None
    with pytest.raises(FileNotFoundError, match='missing.jpg'):  # as mmpose
        LoadImage()(dict(img_path=missing))
    given = LoadImage(to_float32=True)(dict(img=face['img']))
    assert given['img'].dtype == np.float32 and given['img_path'] is None


def test_pack_pose_inputs_meta_keys_and_pack_transformed(face):
    results = TopdownAffine(input_size=(64, 64))(GetBBoxCenterScale()(copy_of(face)))
    packed = PackPoseInputs(meta_keys=('img_path', 'input_size'))(copy_of(results))['data_samples']
    assert set(packed.metainfo) == {'img_path', 'input_size'}
    assert 'transformed_keypoints' not in packed.gt_instances
    assert packed.gt_instances.bbox_scales.shape == (1, 2)
    default = PackPoseInputs(pack_transformed=True)(copy_of(results))['data_samples']
    assert {'input_center', 'input_scale', 'attributes'} <= set(default.metainfo)
    np.testing.assert_array_equal(default.gt_instances.transformed_keypoints, results['transformed_keypoints'])


def test_generate_target_use_dataset_keypoint_weights(face):
    results = TopdownAffine(input_size=(64, 64))(GetBBoxCenterScale()(copy_of(face)))
    results['dataset_keypoint_weights'] = np.linspace(0.5, 1.5, 98).astype(np.float32)
    plain = GenerateTarget(encoder=CODEC)(copy_of(results))['keypoint_weights']
    weighted = GenerateTarget(encoder=CODEC, use_dataset_keypoint_weights=True)(copy_of(results))['keypoint_weights']
    np.testing.assert_allclose(weighted, plain * results['dataset_keypoint_weights'])
    with pytest.raises(AssertionError):
        GenerateTarget(encoder=CODEC, multilevel=True)


# --------------------------------------------------------------------------- mmcv's wrappers
def test_mmcv_random_apply_and_key_mapper_in_a_pipeline(face):
    pipeline = Compose([
        dict(type='RandomApply', transforms=[dict(type='RandomFlip', prob=1.0)], prob=1.0),
        dict(type='KeyMapper', mapping={'img': 'second_img'}, auto_remap=True,
             transforms=[dict(type='PhotometricDistortion')]),
    ])
    assert type(pipeline.transforms[1].transforms.transforms[0]) is PhotometricDistortion  # ours, by name
    results = copy_of(face)
    results['second_img'] = face['img'].copy()
    np.random.seed(2)
    out = pipeline(results)
    assert out['flip'] is True
    np.testing.assert_array_equal(out['img'], face['img'][:, ::-1])  # flipped, not distorted
    assert not np.array_equal(out['second_img'], face['img'])  # distorted through the key mapping
    skipped = Compose([dict(type='RandomApply', transforms=[dict(type='RandomFlip', prob=1.0)], prob=0.0)])
    assert 'flip' not in skipped(copy_of(face))


def test_mmcv_transforms_are_found_by_name_in_our_scope():
    for name in ('RandomChoice', 'TransformBroadcaster', 'Compose', 'RandomResize', 'Resize', 'RandomApply'):
        assert TRANSFORMS.get(name) is not None, name


# --------------------------------------------------------------------------- photometric transforms
def test_photometric_distortion_is_seeded_and_changes_colours_not_geometry(face):
    small = cv2.resize(face['img'], (64, 48))
    outs = []
    for seed in (0, 0, 1):
        np.random.seed(seed)
        outs.append(PhotometricDistortion()(dict(img=small.copy()))['img'])
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])
    assert outs[0].shape == small.shape and outs[0].dtype == np.uint8


def test_photometric_distortion_brightness_only_adds_an_offset():
    img = np.full((4, 4, 3), 100, np.uint8)
    transform = PhotometricDistortion(brightness_delta=20, contrast_range=(1, 1), saturation_range=(1, 1),
                                      hue_delta=1)
    offsets = set()
    for seed in range(20):
        np.random.seed(seed)
        out = transform(dict(img=img.copy()))['img']
        offsets.add(int(out[0, 0, 0]) - 100)
        assert np.all(out == out[0, 0, 0])  # grey stays grey: the same offset on every channel
    assert 0 in offsets and len(offsets) > 3 and all(abs(o) <= 20 for o in offsets)


def test_albumentation_applies_albumentations_transforms(face):
    pytest.importorskip('albumentations')
    small = cv2.resize(face['img'], (64, 48))
    transform = TRANSFORMS.build(dict(type='Albumentation', transforms=[
        dict(type='OneOf', transforms=[dict(type='Blur', blur_limit=(5, 5), p=1.0)], p=1.0)]))
    out = transform(dict(img=small.copy()))['img']
    assert out.shape == small.shape and not np.array_equal(out, small)
    np.testing.assert_array_equal(out, cv2.blur(small, (5, 5)))
    assert repr(transform).startswith("Albumentation(transforms=[{'type': 'OneOf'")


def test_albumentation_without_the_extra_names_it(monkeypatch):
    real_import = builtins.__import__

    def no_albumentations(name, *args, **kwargs):
        if name.startswith('albumentations'):
            raise ImportError('No module named albumentations')
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, '__import__', no_albumentations)
    with pytest.raises(RuntimeError, match=r"mmpose_face\[albumentations\]") as error:  # mmpose: RuntimeError
        Albumentation(transforms=[dict(type='Blur')])
    assert isinstance(error.value, (ImportError, OptionalDependencyError))
