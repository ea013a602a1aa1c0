"""The result table, the cumulative error curves and the comparison with the mean-shape baseline,
from per-face errors worked out by hand."""
import numpy as np
import pytest

from mmpose_face.evaluation.report import compare_with_baseline, format_table, save_error_curves

FACE_NMES = {'': np.array([0.02, 0.04, 0.15, 0.06]), 'pose': np.array([0.15, 0.06])}
METRICS = {'NME': 0.0675, 'NME_pose': 0.105, 'NME_blur': None}
TITLES = {'pose': 'Pose', 'blur': 'Blur'}


def test_table_rows_are_nme_fr_auc_in_percent_with_a_dash_for_an_empty_subset():
    lines = format_table(METRICS, FACE_NMES, 0.1, TITLES).splitlines()
    assert lines[0].split() == ['All', 'Pose', 'Blur'] and set(lines[1]) == {'-'}
    assert lines[2].split() == ['NME', '(%)', '6.75', '10.50', '-']
    assert lines[3].split() == ['FR@0.1', '(%)', '25.00', '50.00', '-']  # one face of four, one of two
    auc_all = (0.8 + 0.6 + 0.0 + 0.4) / 4  # (0.1 - e) / 0.1 below the threshold
    assert lines[4].split()[:3] == ['AUC@0.1', '(%)', f'{auc_all * 100:.2f}'] and len(lines) == 5


def test_table_shows_the_baseline_row_when_the_metrics_have_it():
    lines = format_table(dict(METRICS, baseline_NME=0.2), FACE_NMES, 0.1).splitlines()
    assert lines[0].split() == ['All'] and lines[-1].split() == ['mean-shape', 'NME', '(%)', '20.00']


def test_error_curves_are_a_png(tmp_path):
    path = save_error_curves(str(tmp_path / 'curves' / 'ced.png'), FACE_NMES, 0.1, TITLES)
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_comparison_with_the_baseline_gives_ratios_and_whether_all_are_at_most_half():
    text, at_most_half = compare_with_baseline({'NME': 0.05, 'baseline_NME': 0.2, 'NME_pose': 0.08,
                                                'baseline_NME_pose': 0.1, 'FR@0.1': 0.1})
    lines = text.splitlines()
    assert lines[1].split() == ['All', '5.00', '20.00', '0.25']
    assert lines[2].split() == ['pose', '8.00', '10.00', '0.80']
    assert len(lines) == 3 and at_most_half is False
    assert compare_with_baseline({'NME': 0.05, 'baseline_NME': 0.2})[1] is True
