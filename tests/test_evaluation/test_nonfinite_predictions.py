"""refuse_nonfinite_predictions: finite metrics pass; a NaN or inf metric is refused, naming the
metrics and how many faces the evaluator's metrics counted, and saying how to accept it."""
from types import SimpleNamespace

import pytest

from mmpose_face.evaluation.nonfinite_predictions import NonFinitePredictionError, refuse_nonfinite_predictions


def test_finite_metrics_and_non_numbers_pass():
    refuse_nonfinite_predictions({'NME': 0.05, 'FR@0.1': 0.0, 'note': 'nan as text is not a number'})


def test_a_nonfinite_metric_is_refused_with_the_faces_the_metrics_counted():
    evaluator = SimpleNamespace(metrics=[SimpleNamespace(nonfinite_faces=2), SimpleNamespace(nonfinite_faces=1)])
    with pytest.raises(NonFinitePredictionError,
                       match=r'^3 test faces have non-finite .*so NME, NME_blur are not finite.*--allow-nonfinite'):
        refuse_nonfinite_predictions({'NME': float('inf'), 'NME_blur': float('nan'), 'AUC@0.1': 0.5}, evaluator)


def test_the_message_counts_one_face_or_some_faces():
    one = SimpleNamespace(metrics=[SimpleNamespace(nonfinite_faces=1)])
    with pytest.raises(NonFinitePredictionError, match=r'^1 test face has .*so NME is not finite'):
        refuse_nonfinite_predictions({'NME': float('inf')}, one)
    with pytest.raises(NonFinitePredictionError, match=r'^some test faces have'):
        refuse_nonfinite_predictions({'NME': float('inf')})
    assert issubclass(NonFinitePredictionError, ValueError)
