"""DARK's step: OpenCV's Gaussian blur keeping the peak, then a Taylor step on the log map."""
import cv2
import numpy as np
import pytest
import torch

from mmpose_face.codecs.dark_refinement import blur_keeping_the_peak, refine_by_taylor_expansion
from mmpose_face.codecs.heatmap_maximum import heatmap_maximum


def test_blur_is_opencvs_gaussian_with_zeros_outside_and_keeps_each_maximum():
    heatmaps = torch.rand(1, 2, 12, 16)
    blurred = blur_keeping_the_peak(heatmaps, 5)
    for k in range(2):
        padded = np.pad(heatmaps[0, k].numpy(), 2)
        expected = cv2.GaussianBlur(padded, (5, 5), 0)[2:-2, 2:-2]
        expected *= heatmaps[0, k].numpy().max() / expected.max()
        np.testing.assert_allclose(blurred[0, k].numpy(), expected, atol=1e-6)
        assert blurred[0, k].max().item() == pytest.approx(heatmaps[0, k].max().item(), rel=1e-6)


def gaussian(centre, height=12, width=16, sigma=2.0):
    ys, xs = torch.meshgrid(torch.arange(height, dtype=torch.float32), torch.arange(width, dtype=torch.float32),
                            indexing='ij')
    return torch.exp(-((xs - centre[0]) ** 2 + (ys - centre[1]) ** 2) / (2 * sigma ** 2))


def test_the_taylor_step_finds_the_fractional_centre_of_a_gaussian():
    centres = [(7.3, 5.6), (4.8, 6.45)]
    heatmaps = torch.stack([gaussian(c) for c in centres])[None]
    locations, _ = heatmap_maximum(heatmaps)
    refined = refine_by_taylor_expansion(locations, heatmaps, blur_kernel_size=3)
    np.testing.assert_allclose(refined[0].numpy(), np.array(centres), atol=0.05)
    assert (refined[0] - torch.tensor(centres)).abs().max() < (locations[0] - torch.tensor(centres)).abs().max()


def test_no_step_near_the_edge_or_for_an_empty_map():
    heatmaps = torch.stack([gaussian((1.2, 6.0)), gaussian((8.0, 10.3)), -torch.ones(12, 16)])[None]
    locations, _ = heatmap_maximum(heatmaps)  # x = 1; y = 10 = H - 2; (-1, -1)
    refined = refine_by_taylor_expansion(locations, heatmaps, blur_kernel_size=3)
    assert torch.equal(refined, locations)
