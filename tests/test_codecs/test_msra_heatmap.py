"""MSRAHeatmap: one Gaussian per keypoint (peak 1) and its arg-max decoding with the quarter-pixel
step, or DARK's Taylor step; the batched torch decoder (the heads') equals the per-face one (the encoder: in
test_base_keypoint_codec.py, as for every codec).
Values against mmpose 1.3.2 itself: tests/test_models/test_regression_family_mmpose.py."""
import numpy as np
import pytest
import torch

from mmpose_face.registry import KEYPOINT_CODECS


def codec(**kwargs):
    return KEYPOINT_CODECS.build({**dict(type='MSRAHeatmap', input_size=(64, 48), heatmap_size=(16, 12),
                                         sigma=2.0), **kwargs})


def test_a_gaussian_of_peak_one_around_the_rounded_centre_and_mmpose_weights():
    keypoints = np.array([[[33.0, 30.0], [100.0, 10.0], [5.0, 5.0], [8.0, 8.0]]], np.float32)
    visible = np.array([[1, 1, 0, 0.3]], np.float32)
    encoded = codec().encode(keypoints, visible)
    assert set(encoded) == {'heatmaps', 'keypoint_weights'}
    heatmaps = encoded['heatmaps']
    assert heatmaps.shape == (4, 12, 16) and heatmaps.dtype == np.float32
    # 33 / 4 = 8.25 -> column 8; 30 / 4 = 7.5 -> row 8 (int(7.5 + 0.5)); cut at 3 sigma
    ys, xs = np.mgrid[0:12, 0:16]
    expected = np.exp(-((xs - 8) ** 2 + (ys - 8) ** 2) / 8.0) * ((abs(xs - 8) <= 6) & (abs(ys - 8) <= 6))
    assert np.allclose(heatmaps[0], expected, atol=1e-7) and heatmaps[0].max() == 1.0
    # off the map (x = 25 cells): empty map, weight 0; invisible: empty map, the
    # visibility as weight (mmpose copies it, 0.3 stays 0.3)
    assert not heatmaps[1:].any()
    assert encoded['keypoint_weights'][0].tolist() == pytest.approx([1, 0, 0, 0.3])
    assert encoded['keypoint_weights'].dtype == np.float32


def test_one_face_at_a_time():
    with pytest.raises(ValueError, match='one face'):
        codec().encode(np.zeros((2, 3, 2), np.float32))


def test_decode_inverts_encode_on_cell_centres_in_crop_pixels():
    cells = np.array([[[3, 2], [8, 8], [14, 10]]], np.float32)  # (x, y) cells of the 16 x 12 map
    heatmaps = codec().encode(cells * 4)['heatmaps']  # crop pixels = cells * (64 / 16, 48 / 12)
    keypoints, scores = codec().decode(heatmaps)
    assert keypoints.shape == (1, 3, 2) and keypoints.dtype == np.float32
    assert keypoints.tolist() == (cells * 4).tolist()  # symmetric Gaussians: no quarter step
    assert scores.tolist() == [[1.0, 1.0, 1.0]]


def test_decode_steps_a_quarter_cell_towards_the_higher_neighbour():
    heatmaps = np.zeros((3, 12, 16), np.float32)
    heatmaps[0, 5, 7], heatmaps[0, 5, 8], heatmaps[0, 4, 7] = 1.0, 0.5, 0.2  # right and up
    heatmaps[1, 5, 1], heatmaps[1, 5, 2] = 1.0, 0.5  # x = 1: mmpose moves x only when 1 < x < W - 1
    heatmaps[2] = -1.0  # no positive value: location (-1, -1) before scaling
    keypoints, scores = codec().decode(heatmaps)
    assert keypoints[0, 0].tolist() == [(7 + 0.25) * 4, (5 - 0.25) * 4]
    assert keypoints[0, 1].tolist() == [1 * 4, 5 * 4]
    assert keypoints[0, 2].tolist() == [-4.0, -4.0] and scores[0].tolist() == [1.0, 1.0, -1.0]


def test_ties_go_to_the_first_cell_in_row_major_order():
    heatmaps = np.zeros((1, 12, 16), np.float32)
    heatmaps[0, 6, 9] = heatmaps[0, 3, 12] = 1.0
    keypoints, _ = codec().decode(heatmaps)
    assert keypoints[0, 0].tolist() == [12 * 4, 3 * 4]


def test_decode_batch_equals_decode_per_face():
    heatmaps = torch.randn(3, 5, 12, 16)
    keypoints, scores = codec().decode_batch(heatmaps)
    assert keypoints.shape == (3, 5, 2) and scores.shape == (3, 5)
    for i in range(3):
        one_keypoints, one_scores = codec().decode(heatmaps[i].numpy())
        assert np.array_equal(keypoints[i:i + 1].numpy(), one_keypoints)
        assert np.array_equal(scores[i:i + 1].numpy(), one_scores)


def test_dark_decoding_finds_fractional_centres_the_quarter_step_cannot():
    keypoints = np.array([[[33.3, 21.7], [18.9, 30.2], [41.5, 14.4]]], np.float32)  # inside, off the cell grid
    heatmaps = codec(unbiased=True).encode(keypoints)['heatmaps']
    dark, scores = codec(unbiased=True).decode(heatmaps)
    quarter, _ = codec().decode(heatmaps)
    dark_error = np.linalg.norm(dark - keypoints, axis=-1)
    assert dark_error.max() < 0.05 * 4  # a twentieth of a heatmap cell
    assert dark_error.max() < np.linalg.norm(quarter - keypoints, axis=-1).min()
    assert scores.shape == (1, 3) and (scores > 0.8).all()  # the map's maximum, before the blur


def test_dark_leaves_points_near_the_edge_and_empty_maps_where_they_are():
    heatmaps = np.zeros((2, 12, 16), np.float32)
    heatmaps[0, 5, 1], heatmaps[0, 5, 2] = 1.0, 0.5  # x = 1: DARK moves x only when 1 < x < W - 2
    heatmaps[1] = -1.0
    keypoints, _ = codec(unbiased=True).decode(heatmaps)
    assert keypoints[0].tolist() == [[1 * 4, 5 * 4], [-4.0, -4.0]]
