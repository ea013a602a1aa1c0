"""Face300WDataset: the report shows the common, challenging, full and private subsets."""
import numpy as np
import pytest

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.evaluation.report import format_table

from face_benchmark_samples import DESCRIPTIONS, evaluate, face_sample


def test_300w_report_shows_common_challenging_full_and_private():
    gt = np.random.default_rng(3).uniform(50, 150, (68, 2))
    gt[36], gt[45] = [60., 80.], [120., 80.]
    flags = {name: {'common': 1, 'challenging': 0, 'full': 1, 'private': 0} for name in ('common', )}
    flags['challenging'] = {'common': 0, 'challenging': 1, 'full': 1, 'private': 0}
    flags['private'] = {'common': 0, 'challenging': 0, 'full': 0, 'private': 1}
    samples = [face_sample(gt, [0., 3.], flags['common']), face_sample(gt, [0., 6.], flags['challenging']),
               face_sample(gt, [0., 12.], flags['private'])]
    metrics = evaluate('300w', samples)
    assert metrics['NME_common'] == pytest.approx(0.05) and metrics['NME_challenging'] == pytest.approx(0.1)
    assert metrics['NME_full'] == pytest.approx(0.075) and metrics['NME_private'] == pytest.approx(0.2)
    assert metrics['NME'] == pytest.approx(0.35 / 3)
    meta = load_dataset_info(DESCRIPTIONS['300w'])
    header = format_table(metrics, {'': np.array([.05, .1, .2])}, 0.1, meta['subsets']).splitlines()[0]
    assert header.split() == ['All', 'Common', 'Challenging', 'Full', 'Private', 'test']
