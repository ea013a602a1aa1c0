"""The numbers face-alignment papers report, from per-face errors.

For face i with predictions p_ik, ground truth g_ik, visible mask m_ik and
normaliser d_i (the data set's choice: the distance of two points, usually
the outer eye corners, |g_i,a - g_i,b|; or the face box size):

    e_ik  = |p_ik - g_ik| / d_i                      (normalised point error)
    NME   = sum_{i,k} m_ik e_ik / sum_{i,k} m_ik      (pooled over all points)
    nme_i = sum_k m_ik e_ik / sum_k m_ik              (one face's own NME)
    FR@t  = share of faces with nme_i > t
    AUC@t = (1 / t) * integral_0^t CED(e) de, CED(e) = share of faces with nme_i <= e

A face with d_i = 0 does not count (as in mmpose); with no point left the
NME is 0 (mmpose's value). A non-finite prediction (NaN or inf) at a
scored point is an infinite error: that face's nme_i and the NME are inf,
the face is a failure (mmpose would drop NaN points and score the rest). All values are fractions (0.0444 means 4.44 %).
"""
import numpy as np

INVALID_NORMALISER = 1e6  # mmpose divides by this where a normaliser is negative


def keypoint_distance(gt: np.ndarray, indices) -> np.ndarray:
    """(N, K, 2) ground truth, two point indices -> (N,) their distance per face."""
    return np.linalg.norm(gt[:, indices[0]] - gt[:, indices[1]], axis=-1)


def normalised_point_errors(pred: np.ndarray, gt: np.ndarray, visible: np.ndarray,
                            normaliser: np.ndarray) -> np.ndarray:
    """(N, K, 2), (N, K, 2), (N, K), (N,) -> e (N, K), NaN where not visible or d_i == 0,
    inf where the prediction is not finite."""
    normaliser = np.asarray(normaliser, dtype=np.float64).reshape(-1)
    excluded = normaliser == 0
    normaliser = np.where(normaliser <= 0, INVALID_NORMALISER, normaliser)
    with np.errstate(invalid='ignore'):
        errors = np.linalg.norm(pred - gt, axis=-1) / normaliser[:, None]
    errors[~np.isfinite(pred).all(axis=-1)] = np.inf
    errors[(visible <= 0) | excluded[:, None]] = np.nan
    return errors


def pooled_nme(errors: np.ndarray) -> float:
    """Mean of all valid point errors (N, K)."""
    valid = errors[~np.isnan(errors)]
    return float(valid.sum() / max(1, valid.size))


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
