"""Refusing a test whose predictions were NaN or inf (scored as failures), unless the user allows it."""
import math


class NonFinitePredictionError(ValueError):
    """Some predicted keypoints were NaN or inf: the metrics count them as failures, NME is inf."""


def refuse_nonfinite_predictions(metrics: dict, evaluator=None) -> None:
    """Raise :class:`NonFinitePredictionError` when a metric value is not finite.

    The message names the metrics and the count of faces with non-finite
    predictions that the evaluator's metrics recorded (``nonfinite_faces``
    of :class:`~mmpose_face.evaluation.NME`).
    """
    nonfinite = [key for key, value in metrics.items()
                 if isinstance(value, (int, float)) and not math.isfinite(value)]
    if not nonfinite:
        return
    faces = sum(getattr(metric, 'nonfinite_faces', 0) for metric in getattr(evaluator, 'metrics', ()))
    counted = f"{faces} test face{'s have' if faces != 1 else ' has'}" if faces else 'some test faces have'
    raise NonFinitePredictionError(
        f'{counted} non-finite predicted keypoints (NaN or inf); each counts as a '
        f"failure with an infinite error, so {', '.join(nonfinite)} {'is' if len(nonfinite) == 1 else 'are'} "
        'not finite. The model is broken (NaN weights or an overflow?); --allow-nonfinite exits 0 with '
        'these results')
