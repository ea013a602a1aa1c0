"""failure_rate and area_under_curve against numbers worked out by hand: the threshold itself is not a
failure, the AUC is the exact area of the step curve."""
import numpy as np
import pytest


def test_a_face_exactly_at_the_threshold_is_not_a_failure():
    from mmpose_face.evaluation.alignment_errors import failure_rate
    assert failure_rate(np.array([0.1, 0.05, 0.1000001, 0.3]), 0.1) == 0.5


def test_area_under_the_curve_is_the_exact_area_of_the_step_curve():
    from mmpose_face.evaluation.alignment_errors import area_under_curve
    face_nmes = np.array([0.013, 0.0421, 0.0999, 0.1, 0.27, 0.0])
    levels = np.linspace(0, 0.1, 200001)
    shares = (face_nmes[None, :] <= levels[:, None]).mean(axis=1)
    numeric = np.trapezoid(shares, levels) / 0.1
    assert area_under_curve(face_nmes, 0.1) == pytest.approx(numeric, abs=1e-5)
    assert area_under_curve(np.zeros(3), 0.1) == pytest.approx(1.0)
    assert area_under_curve(np.full(3, 0.1), 0.1) == pytest.approx(0.0)
