"""PCK on the device: the ``acc_pose`` that mmpose's heads log, from coordinates, heatmaps or SimCC vectors."""
import torch

from mmpose_face.codecs.heatmap_maximum import heatmap_maximum
from mmpose_face.codecs.simcc_maximum import simcc_maximum


def normalised_pck_accuracy(pred: torch.Tensor, target: torch.Tensor, keypoint_weights: torch.Tensor,
                            threshold: float = 0.05, normalize: torch.Tensor = None) -> torch.Tensor:
    """Mean over keypoints of the fraction of faces whose point lies within ``threshold``
    of the target, counting only weighted points; keypoints with no weighted face
    are left out, 0 when none is left.

    pred, target (B, K, 2) normalised (or divided by ``normalize`` (2,) first:
    the error is ``|(pred - target) / normalize|``); keypoint_weights (B, K)
    (a bool mask works too). A 0-d float32 tensor on their device (no host
    sync), equal to mmpose's ``keypoint_pck_accuracy`` with ``thr=threshold``.
    """
    errors = pred.detach().float() - target.float()
    if normalize is not None:
        errors = errors / normalize
    valid = keypoint_weights > 0
    hits = ((torch.linalg.vector_norm(errors, dim=-1) < threshold) & valid).sum(0)
    counts = valid.sum(0)
    has_faces = counts > 0
    per_keypoint = hits.float() / counts.clamp(min=1).float()
    return (per_keypoint * has_faces).sum() / has_faces.sum().clamp(min=1)


def heatmap_pck_accuracy(pred_heatmaps: torch.Tensor, gt_heatmaps: torch.Tensor,
                         keypoint_weights: torch.Tensor, threshold: float = 0.05) -> torch.Tensor:
    """PCK of the arg-max cells of heatmaps (B, K, H, W) against those of the targets,
    the error divided by (H, W) as mmpose's ``pose_pck_accuracy`` does (x by H,
    y by W); keypoint_weights (B, K). A 0-d tensor on the device."""
    height, width = pred_heatmaps.shape[-2:]
    normalize = torch.tensor([height, width], dtype=torch.float32, device=pred_heatmaps.device)
    pred, _ = heatmap_maximum(pred_heatmaps.detach())
    target, _ = heatmap_maximum(gt_heatmaps)
    return normalised_pck_accuracy(pred, target, keypoint_weights, threshold, normalize)


def simcc_pck_accuracy(pred_simcc, gt_simcc, simcc_split_ratio: float, keypoint_weights: torch.Tensor,
                       threshold: float = 0.05) -> torch.Tensor:
    """PCK of the arg-max bins of SimCC vectors, pred_simcc and gt_simcc pairs (x (B, K, Wx),
    y (B, K, Wy)), against those of the targets, in crop pixels (bins / ratio), the error
    divided by (h, w) = (Wy, Wx) / ratio as mmpose's ``simcc_pck_accuracy`` does (x by h,
    y by w); keypoint_weights (B, K). A 0-d tensor on the device."""
    (pred_x, pred_y), (gt_x, gt_y) = pred_simcc, gt_simcc
    width, height = int(pred_x.shape[-1] / simcc_split_ratio), int(pred_y.shape[-1] / simcc_split_ratio)
    normalize = torch.tensor([height, width], dtype=torch.float32, device=pred_x.device)
    pred, _ = simcc_maximum(pred_x.detach(), pred_y.detach())
    target, _ = simcc_maximum(gt_x, gt_y)
    return normalised_pck_accuracy(pred / simcc_split_ratio, target / simcc_split_ratio, keypoint_weights,
                                   threshold, normalize)
