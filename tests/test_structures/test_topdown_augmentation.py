"""The top-down augmentation draws: mmpose's truncated normal and draw order, the same numbers from
numpy's global generator (the reference path) as from a RandomState of the same seed (the fast path)."""
import numpy as np
import pytest
from scipy.stats import truncnorm

from mmpose_face.structures.topdown_augmentation import (sample_bbox_jitter, sample_flips,
                                                         truncated_standard_normal)

JITTER = dict(shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25), scale_prob=1.0, rotate_factor=60,
              rotate_prob=0.6)


def test_truncated_standard_normal_is_scipys_truncnorm_in_float32():
    draws = truncated_standard_normal((3, 4), np.random.RandomState(5))
    assert draws.dtype == np.float32 and draws.shape == (3, 4)
    expected = truncnorm.rvs(-1., 1., size=(3, 4), random_state=np.random.RandomState(5))
    np.testing.assert_array_equal(draws, expected.astype(np.float32))


def test_the_global_generator_and_a_random_state_of_the_same_seed_draw_the_same():
    np.random.seed(11)
    global_flips = sample_flips(50, 0.5)
    global_jitter = sample_bbox_jitter(50, **JITTER)
    state = np.random.RandomState(11)
    np.testing.assert_array_equal(sample_flips(50, 0.5, state), global_flips)
    for ours, reference in zip(sample_bbox_jitter(50, **JITTER, random_state=state), global_jitter):
        np.testing.assert_array_equal(ours, reference)


def test_jitter_ranges_shapes_and_probabilities():
    shift, scale, rotation = sample_bbox_jitter(20000, **JITTER, random_state=np.random.RandomState(0))
    assert shift.shape == (20000, 2) and scale.shape == (20000, 1) and rotation.shape == (20000, )
    assert shift.dtype == scale.dtype == rotation.dtype == np.float32
    assert np.abs(shift).max() <= 0.16 and 0.75 <= scale.min() and scale.max() <= 1.25
    assert np.abs(rotation).max() <= 60
    assert np.mean(np.any(shift != 0, axis=1)) == pytest.approx(0.3, abs=0.015)
    assert np.mean(rotation != 0) == pytest.approx(0.6, abs=0.015)
    never = sample_bbox_jitter(100, **dict(JITTER, shift_prob=0., scale_prob=0., rotate_prob=0.))
    assert not never[0].any() and (never[1] == 1).all() and not never[2].any()


def test_flip_probability_is_the_share_of_mirrored_faces():
    flips = sample_flips(20000, 0.3, np.random.RandomState(1))
    assert flips.dtype == bool and flips.mean() == pytest.approx(0.3, abs=0.015)
    assert not sample_flips(10, 0.).any() and sample_flips(10, 1.).all()
