"""The arg-max of SimCC vectors (``codecs/simcc_maximum.py``): bins, scores, ties and non-positive maxima."""
import torch

from mmpose_face.codecs.simcc_maximum import simcc_maximum


def test_locations_are_the_argmax_bins_and_scores_the_smaller_maximum():
    simcc_x = torch.zeros(2, 3, 8)
    simcc_y = torch.zeros(2, 3, 6)
    for face in range(2):
        for point in range(3):
            simcc_x[face, point, face + point] = 0.9 - 0.1 * point
            simcc_y[face, point, 5 - point] = 0.5 + 0.1 * face
    locations, scores = simcc_maximum(simcc_x, simcc_y)
    assert locations.shape == (2, 3, 2) and locations.dtype == torch.float32
    for face in range(2):
        for point in range(3):
            assert locations[face, point].tolist() == [face + point, 5 - point]
            expected = min(0.9 - 0.1 * point, 0.5 + 0.1 * face)
            assert abs(scores[face, point].item() - expected) < 1e-6


def test_ties_go_to_the_first_bin_and_non_positive_scores_get_minus_one():
    simcc_x = torch.tensor([[[0.2, 0.7, 0.7, 0.1]], [[-0.5, -0.2, -0.3, -0.9]]])
    simcc_y = torch.tensor([[[0.3, 0.3, 0.1]], [[0.4, 0.8, 0.1]]])
    locations, scores = simcc_maximum(simcc_x, simcc_y)
    assert locations[0, 0].tolist() == [1.0, 0.0]       # the first of equal maxima, as numpy's argmax
    assert locations[1, 0].tolist() == [-1.0, -1.0]     # score min(-0.2, 0.8) <= 0
    assert abs(scores[1, 0].item() + 0.2) < 1e-7


def test_softmax_first_gives_distribution_maxima():
    simcc_x, simcc_y = torch.randn(1, 2, 10), torch.randn(1, 2, 12)
    locations, scores = simcc_maximum(simcc_x, simcc_y, apply_softmax=True)
    expected = torch.minimum(simcc_x.softmax(-1).amax(-1), simcc_y.softmax(-1).amax(-1))
    torch.testing.assert_close(scores, expected)
    assert torch.equal(locations[..., 0], simcc_x.argmax(-1).float())
