"""The video path's jitter on a synthetic shaky video (item 2 of issue 22), with predictions = truth +
known noise (0.7 px per point and frame: about a landmark model's frame-to-frame jitter on a still;
a real model is measured by benchmarks/video_jitter.py). The tracker carries the boxes and runs the
"detector" (the true face box) every 10 frames; one One-Euro filter with the default parameters.

Required: the filter cuts the std over time of (predicted - true) by at least 3x with at most one
frame of lag on a steady pan, and does not increase the error on a fast turn.
"""
import numpy as np

from mmpose_face.apis.jitter_measurement import known_noise_predictor, measure_tracked_jitter
from mmpose_face.data_preparation.synthetic.shaky_video import fast_turn, steady_pan, true_landmarks

FACE = np.random.default_rng(1).uniform(200, 360, (98, 2))  # a 98-point face, 160 px wide
CENTRE = FACE.mean(axis=0)
NOISE_PX = 0.7


def measure(affines, **kwargs):
    true = true_landmarks(FACE, affines)
    counter = [0]
    predict = known_noise_predictor(true, NOISE_PX, lambda: counter[0])
    frames = [np.zeros((480, 640, 3), np.uint8)] * len(true)  # the stand-in looks at no pixels
    return measure_tracked_jitter(frames, true, predict, frame_counter=counter, **kwargs)


def test_steady_pan_jitter_cut_3x_with_at_most_one_frame_lag():
    result = measure(steady_pan(240, CENTRE, shift_per_frame=(0.3, 0.1), rotation_per_frame=0.02), settle_frames=60)
    raw, smoothed = result['raw'], result['smoothed']
    assert abs(raw['jitter_px'] - NOISE_PX) < 0.05
    assert raw['jitter_px'] / smoothed['jitter_px'] >= 3, (raw, smoothed)
    assert abs(smoothed['lag_frames']) <= 1, smoothed
    assert set(result['track_ids']) == {0}, 'one face, one track: the filter is never restarted'


def test_fast_turn_error_not_increased():
    result = measure(fast_turn(200, CENTRE, start=100, length=8, shift_per_frame=(12., 3.), rotation_per_frame=2.),
                     window=slice(95, 140))
    assert result['smoothed']['rms_px'] <= result['raw']['rms_px'], result
