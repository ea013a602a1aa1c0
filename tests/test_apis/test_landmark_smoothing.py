"""The One-Euro landmark filter on known trajectories with simulated per-frame prediction noise.

A face of 98 points moves by a known path (a steady sub-pixel pan; a fast
turn); each frame's "prediction" is the true position plus Gaussian noise
(0.7 px, about what a landmark model's frame-to-frame jitter is on a still
photo). Error = filtered - true.
"""
import numpy as np
import pytest

from mmpose_face.apis.landmark_smoothing import OneEuroLandmarkFilter

FPS, FRAMES, NOISE_PX = 30.0, 300, 0.7


def face_path(per_frame_shift: np.ndarray) -> np.ndarray:
    """(T, 98, 2) true points: a fixed face layout moved by the cumulative per-frame shift (T, 2)."""
    layout = np.random.default_rng(1).uniform(100, 300, (98, 2))
    return layout[None] + np.cumsum(per_frame_shift, axis=0)[:, None, :]


def filtered(measured: np.ndarray) -> np.ndarray:
    smoother = OneEuroLandmarkFilter()
    return np.stack([smoother(points, 1 / FPS) for points in measured])


def test_steady_pan_jitter_cut_3x_with_under_one_frame_lag():
    speed = np.array([0.3, 0.1])  # px per frame: sub-pixel shifts
    true = face_path(np.tile(speed, (FRAMES, 1)))
    measured = true + np.random.default_rng(0).normal(0, NOISE_PX, true.shape)
    smoothed = filtered(measured)
    settled = slice(60, None)  # after the filter has learnt the pan's speed
    raw_std = (measured - true)[settled].std(axis=0).mean()
    smooth_std = (smoothed - true)[settled].std(axis=0).mean()
    assert raw_std / smooth_std >= 3, (raw_std, smooth_std)
    lag_frames = -(smoothed - true)[settled].mean(axis=(0, 1)) / speed
    assert np.abs(lag_frames).max() <= 1, lag_frames


def test_a_fast_turn_is_followed_without_more_error():
    shift = np.zeros((FRAMES, 2))
    shift[100:108] = [15, 4.5]  # 8 frames at 15 px per frame, then still
    true = face_path(shift)
    measured = true + np.random.default_rng(0).normal(0, NOISE_PX, true.shape)
    smoothed = filtered(measured)
    around_turn = slice(95, 140)
    raw_rms = np.sqrt(((measured - true)[around_turn] ** 2).mean())
    smooth_rms = np.sqrt(((smoothed - true)[around_turn] ** 2).mean())
    assert smooth_rms <= raw_rms, (smooth_rms, raw_rms)
    still = slice(200, None)  # and smooths again once the face is still
    assert (smoothed - true)[still].std(axis=0).mean() < (measured - true)[still].std(axis=0).mean() / 3


def test_first_frame_passes_and_bad_parameters_are_refused():
    points = np.arange(196, dtype=np.float64).reshape(98, 2)
    np.testing.assert_array_equal(OneEuroLandmarkFilter()(points, 1 / 30), points.astype(np.float32))
    with pytest.raises(ValueError, match='min_cutoff and d_cutoff must be > 0'):
        OneEuroLandmarkFilter(min_cutoff=0)
