"""Mirroring landmarks: pixel x goes to w - 1 - x (the column cv2.flip moves it to) and left/right
points swap through ``flip_indices``; mmpose's ``flip_keypoints`` for all three directions."""
import cv2
import numpy as np
import pytest

from mmpose_face.structures import flip_keypoints, flip_keypoints_horizontal

FLIP_INDICES = [1, 0, 2]  # two eyes swap, the nose stays
KEYPOINTS = np.array([[[2., 1.], [7., 1.], [4., 3.]]])  # (1, 3, 2) in an image 10 wide, 6 high
VISIBLE = np.array([[1., 0.5, 0.]])


def test_horizontal_flip_lands_on_the_pixel_cv2_flip_moves_it_to():
    image = np.zeros((6, 10), np.uint8)
    for k, (x, y) in enumerate(KEYPOINTS[0].astype(int)):
        image[y, x] = 50 * (k + 1)
    mirrored = cv2.flip(image, 1)
    flipped, visible = flip_keypoints_horizontal(KEYPOINTS, VISIBLE, 10, FLIP_INDICES)
    for k, (x, y) in enumerate(flipped[0].astype(int)):
        assert mirrored[y, x] == 50 * (FLIP_INDICES[k] + 1)  # point k shows its partner's pixel
    np.testing.assert_array_equal(visible, [[0.5, 1., 0.]])
    np.testing.assert_array_equal(KEYPOINTS[0, 0], [2., 1.])  # the input is not changed


def test_flip_keypoints_horizontal_and_vertical_swap_points():
    flipped, visible = flip_keypoints(KEYPOINTS.copy(), VISIBLE, (10, 6), FLIP_INDICES, 'horizontal')
    np.testing.assert_array_equal(flipped, [[[2., 1.], [7., 1.], [5., 3.]]])  # the eyes swap, then x -> 9 - x
    np.testing.assert_array_equal(visible, [[0.5, 1., 0.]])
    flipped, _ = flip_keypoints(KEYPOINTS.copy(), VISIBLE, (10, 6), FLIP_INDICES, 'vertical')
    np.testing.assert_array_equal(flipped, [[[7., 4.], [2., 4.], [4., 2.]]])


def test_flip_keypoints_diagonal_keeps_the_indices_as_mmpose():
    flipped, visible = flip_keypoints(KEYPOINTS.copy(), VISIBLE, (10, 6), FLIP_INDICES, 'diagonal')
    np.testing.assert_array_equal(flipped, [[[7., 4.], [2., 4.], [5., 2.]]])
    np.testing.assert_array_equal(visible, VISIBLE)


def test_flip_keypoints_refuses_a_bad_direction_or_shapes():
    with pytest.raises(AssertionError, match='upside'):
        flip_keypoints(KEYPOINTS.copy(), VISIBLE, (10, 6), FLIP_INDICES, 'upside')
    with pytest.raises(AssertionError, match='do not match'):
        flip_keypoints(KEYPOINTS.copy(), VISIBLE[:, :2], (10, 6), FLIP_INDICES)
