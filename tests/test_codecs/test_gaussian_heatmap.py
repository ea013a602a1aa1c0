"""Gaussian heatmap targets (MSRA and DARK) against maps written out here: the window cut at 3 sigma
around the rounded centre, or the whole map around the fractional one; invisible points and windows
off the map give empty maps and weight 0, as mmpose."""
import numpy as np
import torch

from mmpose_face.codecs.gaussian_heatmap import gaussian_heatmap_weights, gaussian_heatmaps

SIZE = (12, 10)  # (W, H)


def gaussian(width, height, centre, sigma):
    xs, ys = np.arange(width), np.arange(height)[:, None]
    return np.exp(-((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / (2 * sigma ** 2))


def test_msra_map_is_a_gaussian_around_the_rounded_centre_cut_at_three_sigma():
    keypoints = torch.tensor([[[4.3, 5.6]]])
    (heatmap, ), = gaussian_heatmaps(keypoints, torch.ones(1, 1), SIZE, sigma=1.0).numpy()
    assert heatmap.shape == (10, 12) and heatmap.dtype == np.float32
    expected = gaussian(12, 10, (4, 6), 1.0)  # int(4.3 + 0.5), int(5.6 + 0.5)
    expected[:, np.abs(np.arange(12) - 4) > 3] = 0
    expected[np.abs(np.arange(10) - 6) > 3] = 0
    np.testing.assert_allclose(heatmap, expected, atol=1e-6)
    assert heatmap.max() == 1.0 and heatmap[6, 4] == 1.0


def test_dark_map_keeps_the_fractional_centre_over_the_whole_map():
    keypoints = torch.tensor([[[4.3, 5.6]]])
    (heatmap, ), = gaussian_heatmaps(keypoints, torch.ones(1, 1), SIZE, sigma=2.0, unbiased=True).numpy()
    np.testing.assert_allclose(heatmap, gaussian(12, 10, (4.3, 5.6), 2.0), rtol=1e-5)
    assert (heatmap > 0).all()


def test_invisible_points_and_windows_off_the_map_are_empty_with_weight_zero():
    keypoints = torch.tensor([[[3., 3.], [6., 4.], [-9., 4.], [20., 2.]]])
    visible = torch.tensor([[1., 0.2, 1., 0.]])
    heatmaps = gaussian_heatmaps(keypoints, visible, SIZE, sigma=1.5)
    assert heatmaps[0, 0].max() == 1.0
    assert (heatmaps[0, 1:] == 0).all()  # under 0.5 visible; window left of the map; invisible
    weights = gaussian_heatmap_weights(keypoints, visible, SIZE, sigma=1.5)
    np.testing.assert_array_equal(weights.numpy(), np.float32([[1., 0.2, 0., 0.]]))  # only a visible miss: 0


def test_a_batch_gives_each_face_its_own_maps():
    keypoints = torch.tensor([[[2., 2.]], [[9., 7.]]])
    heatmaps = gaussian_heatmaps(keypoints, torch.ones(2, 1), SIZE, sigma=1.0)
    assert heatmaps.shape == (2, 1, 10, 12)
    peaks = [np.unravel_index(int(m.argmax()), (10, 12))[::-1] for m in heatmaps[:, 0]]
    assert peaks == [(2, 2), (9, 7)]
