"""``acc_pose`` on the device: PCK of coordinates (the regression heads) and of heatmaps (HeatmapHead)."""
import numpy as np
import pytest
import torch

from mmpose_face.models.utils import heatmap_pck_accuracy, normalised_pck_accuracy, simcc_pck_accuracy


def pck_by_hand(pred, gt, mask, thr=0.05):
    """mmpose's definition, written out: per keypoint, the fraction of its
    valid faces within ``thr``; the mean over keypoints that have any; 0 if none."""
    accuracies = []
    for k in range(pred.shape[1]):
        valid = [n for n in range(pred.shape[0]) if mask[n, k]]
        if valid:
            accuracies.append(np.mean([np.linalg.norm(pred[n, k] - gt[n, k]) < thr for n in valid]))
    return float(np.mean(accuracies)) if accuracies else 0.0


def test_pck_accuracy_counts_only_weighted_points_and_keypoints_with_faces():
    target = torch.zeros(2, 3, 2)
    pred = torch.tensor([[[0.01, 0], [0.2, 0], [0, 0]], [[0.06, 0], [0.0, 0.04], [0.3, 0]]])
    weights = torch.tensor([[1., 1., 0.], [1., 1., 0.]])  # keypoint 2 has no weighted face
    # keypoint 0: 1 of 2 within 0.05, keypoint 1: 1 of 2 -> 0.5
    assert normalised_pck_accuracy(pred, target, weights).item() == pytest.approx(0.5)
    assert normalised_pck_accuracy(pred, target, torch.zeros(2, 3)).item() == 0.0


def test_acc_pose_is_mmpose_pck_of_the_weighted_keypoints():
    rng = np.random.default_rng(0)
    gt = rng.random((4, 6, 2)).astype(np.float32)
    pred = gt + rng.normal(0, 0.04, gt.shape).astype(np.float32)  # about half within 0.05
    mask = rng.random((4, 6)) > 0.3
    mask[:, 5] = False  # a keypoint without any valid face does not count
    expected = pck_by_hand(pred, gt, mask)
    assert 0.1 < expected < 0.9
    acc = normalised_pck_accuracy(torch.from_numpy(pred), torch.from_numpy(gt), torch.from_numpy(mask))
    assert acc.ndim == 0 and acc.item() == pytest.approx(expected, abs=1e-6)
    assert normalised_pck_accuracy(torch.from_numpy(pred), torch.from_numpy(gt),
                                   torch.zeros(4, 6, dtype=torch.bool)).item() == 0.0


def test_pck_divides_the_error_by_normalize_per_axis():
    target = torch.zeros(1, 2, 2)
    pred = torch.tensor([[[3.0, 0.0], [0.0, 3.0]]])
    # x errors are divided by 100, y errors by 10: only the first point is within 0.05
    acc = normalised_pck_accuracy(pred, target, torch.ones(1, 2), normalize=torch.tensor([100.0, 10.0]))
    assert acc.item() == pytest.approx(0.5)


def peaked_maps(cells, height=16, width=16):
    """One map per (x, y) cell with its maximum there (B=1)."""
    maps = torch.rand(1, len(cells), height, width) * 0.5
    for k, (x, y) in enumerate(cells):
        maps[0, k, y, x] = 1.0
    return maps


def test_heatmap_pck_compares_arg_max_cells_over_the_map_size():
    gt = peaked_maps([(5, 5), (5, 5), (5, 5)])
    # 0.05 of a 16-cell map is 0.8 cells: the same cell hits, a neighbour misses
    pred = peaked_maps([(5, 5), (6, 5), (5, 5)])
    weights = torch.tensor([[1., 1., 0.]])
    assert heatmap_pck_accuracy(pred, gt, weights).item() == pytest.approx(0.5)
    # x is divided by H and y by W, as mmpose does: on a 40-high, 10-wide map one
    # cell off in x is 1/40 (a hit; 1/10, a miss, if x were divided by W)
    wide_gt = peaked_maps([(5, 5), (5, 5)], height=40, width=10)
    wide_pred = peaked_maps([(6, 5), (5, 5)], height=40, width=10)
    assert heatmap_pck_accuracy(wide_pred, wide_gt, torch.ones(1, 2)).item() == pytest.approx(1.0)


def one_hot_vectors(bins, width):
    """(B, K) bins -> (B, K, width) vectors peaked there."""
    return torch.nn.functional.one_hot(torch.as_tensor(bins), width).float()


def test_simcc_pck_compares_arg_max_bins_in_pixels_over_the_crop_size():
    # 64 x 32 px crops at 2 bins per pixel: x error divided by h = 32, y error by w = 64 (mmpose's order)
    gt = (one_hot_vectors([[20, 20, 20]], 128), one_hot_vectors([[10, 10, 10]], 64))
    pred = (one_hot_vectors([[20, 23, 20]], 128), one_hot_vectors([[10, 10, 16]], 64))
    # point 1: 1.5 px in x -> 1.5 / 32 = 0.047 < 0.05; point 2: 3 px in y -> 3 / 64 = 0.047
    weights = torch.ones(1, 3)
    assert simcc_pck_accuracy(pred, gt, 2.0, weights).item() == 1.0
    pred = (one_hot_vectors([[20, 24, 20]], 128), pred[1])  # 2 px / 32 = 0.0625: a miss
    assert simcc_pck_accuracy(pred, gt, 2.0, weights).item() == pytest.approx(2 / 3)
    assert simcc_pck_accuracy(pred, gt, 2.0, torch.tensor([[1.0, 0.0, 1.0]])).item() == 1.0
