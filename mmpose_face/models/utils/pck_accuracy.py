"""PCK of normalised coordinates on the device: the ``acc_pose`` that mmpose's heads log."""
import torch


def normalised_pck_accuracy(pred: torch.Tensor, target: torch.Tensor, keypoint_weights: torch.Tensor,
                            threshold: float = 0.05) -> torch.Tensor:
    """Mean over keypoints of the fraction of faces whose point lies within ``threshold``
    (in units of the input size) of the target, counting only weighted points;
    keypoints with no weighted face are left out, 0 when none is left.

    pred, target (B, K, 2) normalised; keypoint_weights (B, K). A 0-d tensor on
    their device (no host sync), equal to mmpose's ``keypoint_pck_accuracy`` with
    ``thr=0.05`` and unit normalisation.
    """
    valid = keypoint_weights > 0
    hits = ((torch.linalg.vector_norm(pred.detach() - target, dim=-1) < threshold) & valid).sum(0)
    counts = valid.sum(0)
    has_faces = counts > 0
    per_keypoint = hits.float() / counts.clamp(min=1).float()
    return (per_keypoint * has_faces).sum() / has_faces.sum().clamp(min=1)
