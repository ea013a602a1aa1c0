"""mmpose's RTMPose Albumentation entry (albumentations 1.4 arguments) builds and runs under 1.4 and 2.x alike.

The rewrite is checked on a stand-in module of each version (no albumentations
needed); the config entry runs on a face crop where albumentations is installed.
"""
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from mmpose_face.datasets.transforms.albumentations_arguments import arguments_for_installed_version
from mmpose_face.registry import TRANSFORMS

# mmpose 1.3.2's configs/face_2d_keypoint/rtmpose/*/rtmpose-m_*.py, train_pipeline
RTMPOSE_ENTRY = dict(type='Albumentation', transforms=[
    dict(type='Blur', p=0.1), dict(type='MedianBlur', p=0.1),
    dict(type='CoarseDropout', max_holes=1, max_height=0.4, max_width=0.4, min_holes=1, min_height=0.2,
         min_width=0.2, p=1.0)])
DROPOUT_1_4 = RTMPOSE_ENTRY['transforms'][2]


def test_version_2_gets_ranges_as_1_4_read_them():
    args = {key: value for key, value in DROPOUT_1_4.items() if key != 'type'}
    rewritten = arguments_for_installed_version('CoarseDropout', args, SimpleNamespace(__version__='2.0.8'))
    assert rewritten == dict(num_holes_range=(1, 1), hole_height_range=(0.2, 0.4), hole_width_range=(0.2, 0.4),
                             p=1.0)
    # 1.4.24's rule: a missing lower bound is the upper one; fill_value is fill
    assert arguments_for_installed_version('CoarseDropout', dict(max_holes=8, max_height=16, fill_value=3),
                                           SimpleNamespace(__version__='2.0.8')) == dict(
        num_holes_range=(8, 8), hole_height_range=(16, 16), fill=3)
    assert arguments_for_installed_version('Blur', dict(p=0.1), SimpleNamespace(__version__='2.0.8')) == dict(p=0.1)


def test_version_1_gets_the_arguments_as_written():
    args = dict(max_holes=1, min_holes=1, p=1.0)
    assert arguments_for_installed_version('CoarseDropout', args, SimpleNamespace(__version__='1.4.24')) == args


def test_both_forms_of_one_argument_are_refused():
    with pytest.raises(ValueError, match='max_holes .*num_holes_range'):
        arguments_for_installed_version('CoarseDropout', dict(max_holes=2, num_holes_range=(1, 2)),
                                        SimpleNamespace(__version__='2.0.8'))


def test_rtmpose_entry_builds_and_drops_one_hole_of_the_configured_size():
    albumentations = pytest.importorskip('albumentations')
    transform = TRANSFORMS.build(RTMPOSE_ENTRY)
    dropout = transform.aug.transforms[2]
    if int(albumentations.__version__.split('.')[0]) >= 2:
        assert dropout.num_holes_range == (1, 1)
        assert dropout.hole_height_range == (0.2, 0.4) and dropout.hole_width_range == (0.2, 0.4)
    crop = cv2.resize(cv2.imread('tests/data/7_Cheering_Cheering_7_16.jpg'), (256, 256)) | 1  # no black pixel
    for seed in range(3):
        np.random.seed(seed)
        out = transform.transform(dict(img=crop.copy()))['img']
        assert out.shape == crop.shape and out.dtype == np.uint8
        rows, cols = np.nonzero((out == 0).all(axis=2))
        height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        assert 0.2 * 256 - 1 <= height <= 0.4 * 256 + 1 and 0.2 * 256 - 1 <= width <= 0.4 * 256 + 1
        assert len(rows) == height * width  # one rectangle
