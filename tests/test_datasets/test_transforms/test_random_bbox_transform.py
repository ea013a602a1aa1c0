"""RandomBBoxTransform: mmpose's truncated-normal draws, their ranges and probabilities, applied in box
units."""
import numpy as np
import pytest

from mmpose_face.datasets.transforms import RandomBBoxTransform


def test_random_bbox_transform_ranges_and_probabilities():
    np.random.seed(0)
    transform = RandomBBoxTransform(shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25),
                                    rotate_factor=60, rotate_prob=0.6)
    shift, scale, rotation = transform.sample_parameters(20000)
    assert shift.shape == (20000, 2) and scale.shape == (20000, 1) and rotation.shape == (20000, )
    assert np.abs(shift).max() <= 0.16 and np.abs(rotation).max() <= 60
    assert scale.min() >= 0.75 and scale.max() <= 1.25
    assert np.mean(np.any(shift != 0, axis=1)) == pytest.approx(0.3, abs=0.015)
    assert np.mean(rotation != 0) == pytest.approx(0.6, abs=0.015)
    assert np.mean(scale != 1) == 1.0  # scale_prob defaults to 1
    # a normal truncated to [-1, 1] has std 0.538 (a uniform one would have 0.577)
    assert np.std(rotation[rotation != 0] / 60) == pytest.approx(0.538, abs=0.01)
    assert np.std((scale - 1) / 0.25) == pytest.approx(0.538, abs=0.01)


def test_random_bbox_transform_moves_the_box_by_its_size():
    transform = RandomBBoxTransform(shift_prob=1.0, rotate_prob=1.0)
    np.random.seed(3)
    shift, scale, rotation = transform.sample_parameters(1)
    np.random.seed(3)
    results = transform(dict(bbox_center=np.array([[100., 200.]], np.float32),
                             bbox_scale=np.array([[50., 40.]], np.float32)))
    np.testing.assert_allclose(results['bbox_center'], [[100 + 50 * shift[0, 0], 200 + 40 * shift[0, 1]]],
                               rtol=1e-6)
    np.testing.assert_allclose(results['bbox_scale'], [[50 * scale[0, 0], 40 * scale[0, 0]]], rtol=1e-6)
    np.testing.assert_allclose(results['bbox_rotation'], rotation)
    assert rotation[0] != 0 and np.all(shift != 0)
