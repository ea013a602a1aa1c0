"""Box conventions: corners (xyxy), corner and size (xywh), centre and scale (cs), worked out by hand;
the conversions keep their input's float precision, as mmpose's do."""
import numpy as np
import pytest

from mmpose_face.structures import (bbox_cs2xyxy, bbox_xywh2cs, bbox_xywh2xyxy, bbox_xyxy2cs, bbox_xyxy2xywh,
                                    fix_aspect_ratio)

BOXES_XYXY = np.array([[10., 20., 50., 100.], [0., 0., 8., 6.]])
BOXES_XYWH = np.array([[10., 20., 40., 80.], [0., 0., 8., 6.]])


def test_xyxy_to_centre_and_padded_scale():
    center, scale = bbox_xyxy2cs(BOXES_XYXY, padding=1.25)
    np.testing.assert_allclose(center, [[30, 60], [4, 3]])
    np.testing.assert_allclose(scale, [[50, 100], [10, 7.5]])


def test_xywh_to_centre_and_scale_for_one_box_or_many():
    center, scale = bbox_xywh2cs(BOXES_XYWH, padding=2.0)
    np.testing.assert_allclose(center, [[30, 60], [4, 3]])
    np.testing.assert_allclose(scale, [[80, 160], [16, 12]])
    one_center, one_scale = bbox_xywh2cs(BOXES_XYWH[0])
    assert one_center.shape == one_scale.shape == (2, )
    np.testing.assert_allclose(one_scale, [40, 80])


def test_corner_and_size_conversions_are_inverse():
    np.testing.assert_array_equal(bbox_xyxy2xywh(BOXES_XYXY), BOXES_XYWH)
    np.testing.assert_array_equal(bbox_xywh2xyxy(BOXES_XYWH), BOXES_XYXY)
    assert bbox_xyxy2xywh(BOXES_XYXY) is not BOXES_XYXY and BOXES_XYXY[0, 2] == 50  # a copy


def test_centre_and_scale_back_to_corners_undo_the_padding():
    center, scale = bbox_xyxy2cs(BOXES_XYXY, padding=1.25)
    corners = bbox_cs2xyxy(center, scale, padding=1.25)
    assert corners.dtype == np.float32
    np.testing.assert_allclose(corners, BOXES_XYXY)


@pytest.mark.parametrize('dtype, expected', [(np.float32, np.float32), (np.float64, np.float64),
                                             (np.int64, np.float64)])
def test_conversions_keep_the_input_precision(dtype, expected):
    center, scale = bbox_xyxy2cs(BOXES_XYXY.astype(dtype))
    assert center.dtype == scale.dtype == expected
    assert bbox_xywh2xyxy(BOXES_XYWH.astype(dtype)).dtype == expected


def test_fix_aspect_ratio_grows_the_shorter_side_only():
    fixed = fix_aspect_ratio(np.array([[100., 50.], [30., 90.]]), aspect_ratio=0.75)
    np.testing.assert_allclose(fixed, [[100, 100 / 0.75], [67.5, 90]])
    assert np.all(fixed >= [[100., 50.], [30., 90.]])
    np.testing.assert_allclose(fixed[:, 0] / fixed[:, 1], 0.75)
