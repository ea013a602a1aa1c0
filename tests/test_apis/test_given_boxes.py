"""The user's own face boxes: one set per input, xyxy or xywh, refused with one clear message."""
import numpy as np
import pytest

from mmpose_face.apis.given_boxes import boxes_per_input, check_boxes_inside, check_face_boxes

NAMES = ['photos/a.jpg', 'photos/b.jpg']


def test_one_array_is_one_inputs_boxes_and_a_list_has_one_per_input():
    [(boxes, scores)] = boxes_per_input(np.array([[10, 20, 50, 80]]), NAMES[:1])
    np.testing.assert_array_equal(boxes, [[10, 20, 50, 80]])
    np.testing.assert_array_equal(scores, [1])
    [(boxes, _)] = boxes_per_input([[10, 20, 50, 80], [0, 0, 5, 5]], NAMES[:1])  # a list of boxes, one input
    assert boxes.shape == (2, 4) and boxes.dtype == np.float32
    per_input = boxes_per_input([[[10, 20, 40, 60, 0.9]], []], NAMES, bbox_format='xywh')
    np.testing.assert_array_equal(per_input[0][0], [[10, 20, 50, 80]])  # xywh -> xyxy
    np.testing.assert_allclose(per_input[0][1], [0.9])  # a fifth column is the box's score
    assert per_input[1][0].shape == (0, 4)  # [] for an input: no faces there
    assert boxes_per_input(None, NAMES) is None and boxes_per_input([], NAMES) is None  # the detector runs


@pytest.mark.parametrize('bboxes, message', [
    ([[0, 0, 10, 10]], r'one set of 1 boxes was given for 2 inputs; pass a list with one \(N, 4\) array per input'),
    ([[[0, 0, 10, 10]]] * 3, 'bboxes: 3 box lists for 2 inputs'),
    ([[[0, 0, 10, 10]], [[0, 0, 10]]], r'bboxes\[1\] \(photos/b.jpg\): the boxes must be an \(N, 4\) array'),
    ([[[0, 0, 10, 10]], [[5, 5, 1, 20]]], r'bboxes\[1\] \(photos/b.jpg\): box 0 \[5.0, 5.0, 1.0, 20.0\] \(xyxy\) '
                                           'has a zero or negative width or height'),
    ([[[0, 0, 10, 10], [0, float('nan'), 3, 4]], []], r'bboxes\[0\] \(photos/a.jpg\): box 1 .* not a finite'),
    ([[['a', 0, 1, 1]], []], r'bboxes\[0\] \(photos/a.jpg\): the boxes must be numbers'),
])
def test_bad_boxes_name_the_input_and_the_box(bboxes, message):
    with pytest.raises(ValueError, match=message):
        boxes_per_input(bboxes, NAMES)


def test_negative_sizes_in_xywh_and_unknown_formats_are_refused():
    with pytest.raises(ValueError, match=r'box 0 \[1.0, 1.0, -4.0, 5.0\] \(xywh\) has a zero or negative'):
        check_face_boxes([[1, 1, -4, 5]], 'bboxes (a.jpg)', 'xywh')
    with pytest.raises(ValueError, match="bbox_format must be 'xyxy' or 'xywh', got 'cxcywh'"):
        boxes_per_input([[0, 0, 1, 1]], NAMES[:1], 'cxcywh')


def test_a_box_entirely_outside_the_image_is_refused_one_across_the_border_is_not():
    check_boxes_inside(np.array([[-20, -20, 30, 30]]), (100, 200, 3), 'bboxes (a.jpg)')
    with pytest.raises(ValueError, match=r'bboxes \(a.jpg\): box 0 \[250.0, 0.0, 300.0, 50.0\] \(xyxy\) lies '
                                         r'outside the image \(200x100 pixels\)'):
        check_boxes_inside(np.array([[250, 0, 300, 50]]), (100, 200, 3), 'bboxes (a.jpg)')
