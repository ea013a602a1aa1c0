"""IntegralRegressionLabel: normalised coordinates plus normalised Gaussian heatmaps;
its batched torch encoder (the fast path's) equals the per-face one."""
import numpy as np
import pytest
import torch

from mmpose_face.registry import KEYPOINT_CODECS


def codec(**kwargs):
    return KEYPOINT_CODECS.build({**dict(type='IntegralRegressionLabel', input_size=(64, 48),
                                         heatmap_size=(16, 12), sigma=2.0), **kwargs})


def test_labels_weights_and_a_normalised_gaussian_around_the_rounded_centre():
    keypoints = np.array([[[20.0, 10.0], [33.0, 30.0], [70.0, 10.0], [5.0, 5.0]]], np.float32)
    visible = np.array([[1, 1, 1, 0]], np.float32)
    encoded = codec().encode(keypoints, visible)
    assert np.allclose(encoded['keypoint_labels'], keypoints / [64, 48])
    assert encoded['keypoint_weights'].tolist() == [[1, 1, 0, 0]]  # outside the crop, invisible
    heatmaps = encoded['heatmaps']
    assert heatmaps.shape == (4, 12, 16) and heatmaps.dtype == np.float32
    assert np.allclose(heatmaps[:3].sum((1, 2)), 1, atol=1e-6) and not heatmaps[3].any()
    # point 1: 33 / 4 = 8.25 -> cell 8; 30 / 4 = 7.5 -> row 8 (int(7.5 + 0.5))
    ys, xs = np.mgrid[0:12, 0:16]
    expected = np.exp(-((xs - 8) ** 2 + (ys - 8) ** 2) / 8.0) * ((abs(xs - 8) <= 6) & (abs(ys - 8) <= 6))
    assert np.allclose(heatmaps[1], expected / expected.sum(), atol=1e-7)
    # point 2 at x = 70 / 4 = 17.5 is off the 16-wide map but its window reaches in
    assert heatmaps[2].sum() == pytest.approx(1, abs=1e-6) and heatmaps[2][:, :10].sum() == 0


def test_unbiased_centres_stay_fractional_and_unnormalised_maps_peak_at_one():
    keypoints = np.array([[[33.0, 22.0]]], np.float32)  # (8.25, 5.5) on the map, tails inside
    heatmap = codec(unbiased=True).encode(keypoints)['heatmaps'][0]
    ys, xs = np.mgrid[0:12, 0:16]
    assert (heatmap * xs).sum() == pytest.approx(8.25, abs=1e-3)
    assert (heatmap * ys).sum() == pytest.approx(5.5, abs=1e-3)
    assert codec(normalize=False).encode(keypoints)['heatmaps'].max() == pytest.approx(1.0)


def test_one_face_at_a_time():
    with pytest.raises(ValueError, match='one face'):
        codec().encode(np.zeros((2, 3, 2), np.float32))


def test_decode_gives_crop_pixels_and_unit_scores_as_mmpose():
    keypoints, scores = codec().decode(np.array([[[0.5, 0.25]]], np.float32))
    assert keypoints.tolist() == [[[32.0, 12.0]]] and scores.tolist() == [[1.0]]


@pytest.mark.parametrize('options', [{}, dict(unbiased=True), dict(sigma=1.5), dict(normalize=False)])
def test_encode_batch_equals_encode_per_face(options):
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(-10, 74, (5, 98, 2)).astype(np.float32)
    keypoints[0] = np.round(keypoints[0] * 2) / 2  # half pixels: the rounding edge
    visible = (rng.uniform(size=(5, 98)) > 0.2).astype(np.float32)
    the_codec = codec(**options)
    batch = the_codec.encode_batch(torch.from_numpy(keypoints), torch.from_numpy(visible))
    assert set(batch) == {'keypoint_labels', 'keypoint_weights', 'heatmaps'}
    for i in range(5):
        single = the_codec.encode(keypoints[i:i + 1], visible[i:i + 1])
        assert np.array_equal(batch['keypoint_weights'][i:i + 1].numpy(), single['keypoint_weights'])
        assert np.allclose(batch['keypoint_labels'][i:i + 1].numpy(), single['keypoint_labels'], atol=1e-7)
        assert np.allclose(batch['heatmaps'][i].numpy(), single['heatmaps'], atol=1e-7)
