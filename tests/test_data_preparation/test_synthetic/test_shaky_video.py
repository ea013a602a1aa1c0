"""The shaky video moves the image and its landmarks by the same affine: a marked point of the
still is found in every frame where the true landmarks say."""
import numpy as np

from mmpose_face.data_preparation.synthetic.shaky_video import (fast_turn, jitter_figures, shaky_frames, steady_pan,
                                                                true_landmarks)


def test_the_frames_and_the_true_landmarks_move_together():
    still = np.zeros((120, 160, 3), np.uint8)
    still[40:43, 70:73] = 255  # a bright 3x3 spot centred on pixel (71, 41)
    affines = steady_pan(30, centre=(80, 60), shift_per_frame=(0.4, -0.2), rotation_per_frame=0.5)
    true = true_landmarks(np.array([[71., 41.]]), affines)
    for frame, (x, y) in zip(shaky_frames(still, affines, sensor_noise=0), true[:, 0]):
        weights = frame[..., 0].astype(np.float64)
        ys, xs = np.mgrid[:120, :160]
        centroid = np.array([(weights * xs).sum(), (weights * ys).sum()]) / weights.sum()
        np.testing.assert_allclose(centroid, [x, y], atol=0.05)
    assert np.linalg.norm(true[29, 0] - true[0, 0]) > 10, 'the spot moved far, by sub-pixel steps'


def test_fast_turn_is_still_before_and_after():
    true = true_landmarks(np.array([[10., 10.], [50., 30.]]), fast_turn(40, (30, 20), start=10, length=5))
    np.testing.assert_allclose(true[:11], np.repeat(true[:1], 11, 0))
    np.testing.assert_allclose(true[15:], np.repeat(true[15:16], 25, 0))
    assert np.linalg.norm(true[15] - true[10], axis=1).min() > 50


def test_jitter_and_lag_figures():
    true = np.arange(50, dtype=np.float64)[:, None, None] * np.array([0.5, 0.0]) + np.zeros((50, 3, 2))
    late_by_two_frames = np.concatenate([true[:2], true[:-2]])
    figures = jitter_figures(late_by_two_frames[5:], true[5:])
    assert abs(figures['lag_frames'] - 2) < 1e-9 and figures['jitter_px'] < 1e-9
    noisy = true + np.random.default_rng(0).normal(0, 0.5, true.shape)
    assert abs(jitter_figures(noisy, true)['jitter_px'] - 0.5) < 0.05
