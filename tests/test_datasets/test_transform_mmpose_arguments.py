"""Transforms are mmcv BaseTransforms with mmpose 1.3's arguments, validation and repr.

mmcv's wrappers (RandomApply, KeyMapper ...) can be named in a pipeline in
the mmpose_face scope; mmpose's PhotometricDistortion and Albumentation
are here. Each argument is checked by what it changes.
"""
import cv2
import numpy as np
import pytest
from mmcv.transforms import BaseTransform
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmpose_face.datasets.transforms import (GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs,
                                             PhotometricDistortion, RandomBBoxTransform, RandomFlip, TopdownAffine)
from mmpose_face.registry import TRANSFORMS

from test_datasets.wflw_samples import CODEC, copy_of, face


@pytest.fixture(autouse=True, scope='module')
def mmpose_face_scope():
    init_default_scope('mmpose_face')


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
