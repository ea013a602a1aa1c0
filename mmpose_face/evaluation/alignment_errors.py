"""The numbers face-alignment papers report, from per-face errors.

For face i with predictions p_ik, ground truth g_ik, visible mask m_ik and
inter-ocular distance d_i = |g_i,60 - g_i,72| (outer eye corners in WFLW):

    e_ik  = |p_ik - g_ik| / d_i                      (normalised point error)
    NME   = sum_{i,k} m_ik e_ik / sum_{i,k} m_ik      (pooled over all points)
    nme_i = sum_k m_ik e_ik / sum_k m_ik              (one face's own NME)
    FR@t  = share of faces with nme_i > t
    AUC@t = (1 / t) * integral_0^t CED(e) de, CED(e) = share of faces with nme_i <= e

All values are fractions (0.0444 means 4.44 %).
"""
import numpy as np


def normalised_point_errors(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray,
                            eye_indices=(60, 72)) -> np.ndarray:
    """(N, K, 2), (N, K, 2), (N, K) -> e (N, K), NaN where not visible or d_i == 0."""
    interocular = np.linalg.norm(gt[:, eye_indices[0]] - gt[:, eye_indices[1]], axis=-1)
    with np.errstate(divide='ignore', invalid='ignore'):
        errors = np.linalg.norm(pred - gt, axis=-1) / interocular[:, None]
    errors[(visible <= 0) | ~(interocular[:, None] > 0)] = np.nan
    return errors


def pooled_nme(errors: np.ndarray) -> float:
    """Mean of all valid point errors (N, K)."""
    valid = errors[~np.isnan(errors)]
    return float(valid.mean()) if valid.size else float('nan')


def per_face_nme(errors: np.ndarray) -> np.ndarray:
    """(N, K) -> (N,) each face's mean valid point error."""
    valid = ~np.isnan(errors)
    counts = valid.sum(axis=1)
    sums = np.where(valid, errors, 0.).sum(axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def failure_rate(face_nmes: np.ndarray, threshold: float = 0.1) -> float:
    return float(np.mean(face_nmes > threshold))


def cumulative_error_curve(face_nmes: np.ndarray, threshold: float = 0.1, steps: int = 1001):
    """Error levels (steps,) in [0, threshold] and the share of faces at or below each."""
    levels = np.linspace(0., threshold, steps)
    shares = (np.sort(face_nmes)[None, :] <= levels[:, None]).mean(axis=1)
    return levels, shares


def area_under_curve(face_nmes: np.ndarray, threshold: float = 0.1) -> float:
    """AUC@threshold of the cumulative error curve, normalised to [0, 1].

    Exact for the step-shaped curve: integral_0^t share(e) de equals the
    mean over faces of max(0, t - nme_i).
    """
    return float(np.mean(np.clip(threshold - face_nmes, 0., None)) / threshold)
