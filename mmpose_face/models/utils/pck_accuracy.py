"""PCK on the device: the ``acc_pose`` that mmpose's heads log, from coordinates or from heatmaps."""
import torch

from mmpose_face.codecs.heatmap_maximum import heatmap_maximum


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
