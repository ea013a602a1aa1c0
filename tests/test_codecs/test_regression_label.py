"""RegressionLabel: crop pixels <-> coordinates normalised by the input size.

Training targets are ``keypoints / (w, h)``; a point that is invisible or
outside the crop (pixel centres 0 .. w-1, 0 .. h-1) gets weight 0 so the
loss ignores it. Decoding multiplies back and gives every point score 1.
"""
import numpy as np
import pytest

from mmpose_face.codecs import RegressionLabel
from mmpose_face.registry import KEYPOINT_CODECS


def test_encode_normalises_by_width_and_height_and_decode_inverts_it():
    codec = KEYPOINT_CODECS.build(dict(type='RegressionLabel', input_size=(192, 256)))
    keypoints = np.random.RandomState(0).uniform(0, 180, size=(3, 98, 2)).astype(np.float32)
    encoded = codec.encode(keypoints)
    labels = encoded['keypoint_labels']
    assert labels.shape == (3, 98, 2) and labels.dtype == np.float32
    np.testing.assert_allclose(labels[..., 0], keypoints[..., 0] / 192, rtol=1e-6)
    np.testing.assert_allclose(labels[..., 1], keypoints[..., 1] / 256, rtol=1e-6)
    assert encoded['keypoint_weights'].shape == (3, 98)
    assert (encoded['keypoint_weights'] == 1).all()

    decoded, scores = codec.decode(labels)
    np.testing.assert_allclose(decoded, keypoints, atol=1e-4)
    assert scores.shape == (3, 98) and (scores == 1).all()


def test_points_outside_the_crop_or_invisible_get_weight_zero():
    codec = RegressionLabel(input_size=(64, 48))
    keypoints = np.array([[[10, 10],     # inside
                           [-0.5, 10],   # left of the crop
                           [64.2, 10],   # right of the last column (63)
                           [10, 47.5],   # below the last row (47)
                           [10, -3],     # above
                           [20, 20]]], dtype=np.float32)  # inside but invisible
    visible = np.array([[1, 1, 1, 1, 1, 0]], dtype=np.float32)
    encoded = codec.encode(keypoints, visible)
    np.testing.assert_array_equal(encoded['keypoint_weights'], [[1, 0, 0, 0, 0, 0]])
    # the labels themselves are still the plain normalised coordinates
    np.testing.assert_allclose(encoded['keypoint_labels'][0, 1], [-0.5 / 64, 10 / 48])


@pytest.mark.parametrize('point, inside', [
    ((0, 0), True), ((63, 47), True), ((0, 47), True), ((63, 0), True),
    ((63.001, 20), False), ((20, 47.001), False), ((-0.001, 20), False), ((20, -0.001), False)])
def test_crop_boundaries_are_pixel_centres_0_and_size_minus_1(point, inside):
    codec = RegressionLabel(input_size=(64, 48))
    weights = codec.encode(np.array([[point]], dtype=np.float32))['keypoint_weights']
    assert weights[0, 0] == (1.0 if inside else 0.0)


def test_visibility_2_counts_as_visible():
    """COCO files store v = 2 for labelled visible points."""
    codec = RegressionLabel(input_size=(64, 64))
    weights = codec.encode(np.full((1, 2, 2), 5.0, np.float32), np.array([[2, 0.4]]))['keypoint_weights']
    np.testing.assert_array_equal(weights, [[1, 0]])


def test_encode_batch_is_encode_for_torch_tensors():
    """The fast path's call: (B, K, 2) tensors -> the same keys and values as ``encode``."""
    import torch
    codec = RegressionLabel(input_size=(64, 48))
    keypoints = np.random.RandomState(1).uniform(-8, 72, size=(5, 98, 2)).astype(np.float32)
    visible = (np.random.RandomState(2).rand(5, 98) > 0.2).astype(np.float32)
    expected = codec.encode(keypoints, visible)
    batched = codec.encode_batch(torch.from_numpy(keypoints), torch.from_numpy(visible))
    assert set(batched) == set(expected)
    for key, value in batched.items():
        assert isinstance(value, torch.Tensor) and value.dtype == torch.float32 and value.shape[0] == 5
        np.testing.assert_array_equal(value.numpy(), expected[key])
    assert 0 < expected['keypoint_weights'].mean() < 1  # both inside and outside points were encoded


def test_rle_outputs_decode_through_decode_with_sigmas_and_mmposes_decode_of_four_columns():
    codec = RegressionLabel(input_size=(64, 48))
    coords = np.array([[[0.5, 0.25], [0.1, 0.9]]], np.float32)
    sigmas = np.array([[[0.2, 0.4], [0.9, 0.7]]], np.float32)
    keypoints, scores = codec.decode_with_sigmas(coords, sigmas)
    assert keypoints.dtype == np.float64 and keypoints.tolist() == (coords * [64, 48]).tolist()
    np.testing.assert_allclose(scores, [[0.7, 0.2]], atol=1e-6)  # mean(1 - sigma): unsure points score low
    # mmpose's decode reads (N, K, 4) as coordinates and sigmas, the same as the explicit method
    four_columns = codec.decode(np.concatenate([coords, sigmas], axis=-1))
    assert np.array_equal(four_columns[0], keypoints) and np.array_equal(four_columns[1], scores)
    assert (codec.decode(coords)[1] == 1).all()  # two columns: no confidence


def test_decode_rejects_other_widths():
    with pytest.raises(ValueError, match='2 .* or 4'):
        RegressionLabel(input_size=(64, 64)).decode(np.zeros((1, 98, 3)))
