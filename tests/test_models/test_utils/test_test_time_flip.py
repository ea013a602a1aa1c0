"""Flip test helpers: predictions on a mirrored crop, mapped back (coordinates, heatmaps, SimCC vectors)."""
import pytest
import torch

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.models.utils import flip_heatmaps, flip_normalised_coordinates, flip_vectors

FLIP_INDICES = load_dataset_info('configs/_base_/datasets/wflw.py')['flip_indices']
K = 98


def test_flip_normalised_coordinates_shift_is_exactly_one_pixel():
    coords = torch.rand(2, K, 2, dtype=torch.float64)
    shifted = flip_normalised_coordinates(coords, FLIP_INDICES, True, 256)
    unshifted = flip_normalised_coordinates(coords, FLIP_INDICES, False, 256)
    assert torch.allclose(unshifted[..., 0] - shifted[..., 0], torch.full((2, K), 1 / 256, dtype=torch.float64))
    assert torch.equal(shifted[..., 1], unshifted[..., 1])
    assert torch.allclose(unshifted[:, 60], torch.stack([1 - coords[:, 72, 0], coords[:, 72, 1]], -1))
    assert torch.equal(coords, coords.clone())  # the input is not modified
    twice = flip_normalised_coordinates(unshifted, FLIP_INDICES, False, 256)
    assert torch.allclose(twice, coords)


def test_flip_normalised_coordinates_only_swaps_extra_channels():
    outputs = torch.rand(1, K, 4)  # RLE: x, y, sigma_x, sigma_y
    flipped = flip_normalised_coordinates(outputs, FLIP_INDICES, False, 256)
    assert torch.equal(flipped[..., 2:], outputs[:, FLIP_INDICES, 2:])


def test_flip_heatmaps_mirrors_swaps_and_shifts():
    heatmaps = torch.rand(1, K, 3, 5)
    flipped = flip_heatmaps(heatmaps, FLIP_INDICES, shift_heatmap=False)
    assert torch.equal(flipped[0, 0], heatmaps[0, FLIP_INDICES[0]].flip(-1))
    shifted = flip_heatmaps(heatmaps, FLIP_INDICES, shift_heatmap=True)
    assert torch.equal(shifted[..., 1:], flipped[..., :-1]) and torch.equal(shifted[..., 0], flipped[..., 0])


def test_flip_vectors_reverses_x_and_swaps_left_and_right():
    x, y = torch.rand(2, K, 7), torch.rand(2, K, 5)
    flipped_x, flipped_y = flip_vectors(x, y, FLIP_INDICES)
    assert torch.equal(flipped_x[:, 60], x[:, 72].flip(-1)) and torch.equal(flipped_y[:, 60], y[:, 72])
    assert torch.equal(flipped_x[0, 60, 0], x[0, 72, 6])  # bin i -> W - 1 - i
    twice = flip_vectors(flipped_x, flipped_y, FLIP_INDICES)
    assert torch.equal(twice[0], x) and torch.equal(twice[1], y)
    with pytest.raises(ValueError, match='flip indices'):
        flip_vectors(x[:, :10], y[:, :10], FLIP_INDICES)
