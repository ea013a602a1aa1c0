"""KeypointConverter: one layout's points into another's (mmpose's Face6 mappings), weights where mapped.

Side by side with mmpose 1.3.2: tests/test_datasets/test_recipe_parts_match_mmpose.py (``converter``).
"""
import numpy as np
import pytest

from mmpose_face.datasets.transforms import KeypointConverter


def test_one_to_one_mapping_moves_points_and_marks_the_mapped_ones():
    keypoints = np.arange(12, dtype=np.float32).reshape(1, 6, 2)
    visible = np.array([[1, 0, 2, 1, 1, 1]], np.float32)
    out = KeypointConverter(num_keypoints=4, mapping=[(0, 3), (2, 1)]).transform(
        dict(keypoints=keypoints, keypoints_visible=visible, flip_indices=[1, 0, 2, 3, 4, 5]))
    assert out['keypoints'].shape == (1, 4, 2) and out['keypoints'].dtype == np.float64
    np.testing.assert_array_equal(out['keypoints'][0], [[0, 0], [4, 5], [0, 0], [0, 1]])
    np.testing.assert_array_equal(out['keypoints_visible'][0, :, 0], [0, 2, 0, 1])  # visibility
    np.testing.assert_array_equal(out['keypoints_visible'][0, :, 1], [0, 1, 0, 1])  # mapped or not
    assert out['flip_indices'] == [1, 0, 2, 3, 4, 5]  # a one-to-one mapping leaves them (as mmpose)


def test_pairs_give_midpoints_visible_when_both_are():
    keypoints = np.array([[[0., 0.], [4., 2.], [10., 10.]]])
    out = KeypointConverter(num_keypoints=2, mapping=[((0, 1), 0), (2, 1)]).transform(
        dict(keypoints=keypoints, keypoints_visible=np.array([[1., 0., 1.]]), flip_indices=[2, 1, 0]))
    np.testing.assert_array_equal(out['keypoints'][0], [[2., 1.], [10., 10.]])
    np.testing.assert_array_equal(out['keypoints_visible'][0], [[0., 1.], [1., 1.]])
    # mmpose's rewrite: position i of the mapping; a pair keeps i, a single source its partner if < K
    assert out['flip_indices'] == [0, 0]  # i=1: source 2's partner flip_indices[2] = 0


def test_missing_visibility_means_all_visible_and_three_dims_are_read_from_channel_zero():
    out = KeypointConverter(2, [(0, 0)]).transform(dict(keypoints=np.ones((1, 3, 2))))
    np.testing.assert_array_equal(out['keypoints_visible'][0, :, 0], [1., 0.])
    out = KeypointConverter(2, [(0, 1)]).transform(dict(keypoints=np.ones((1, 3, 2)),
                                                         keypoints_visible=np.full((1, 3, 2), 2.)))
    np.testing.assert_array_equal(out['keypoints_visible'][0, :, 0], [0., 2.])


def test_a_source_of_three_points_is_refused():
    with pytest.raises(AssertionError, match='length 2'):
        KeypointConverter(2, [((0, 1, 2), 0)])
