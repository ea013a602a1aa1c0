"""Every face data set and its NME side by side with mmpose 1.3.2 (skipped without .venv-mmpose).

Runs ``benchmarks/compare_datasets_with_mmpose.py``: for the same annotation
file in each benchmark's layout, mmpose's data set class and this project's
give the same items in the same order through the val pipeline (to the bit),
the same metainfo (every key mmpose gives, its value and type), and NME of
the benchmark config's evaluator agrees given the same predictions.
"""

import pytest

from mmpose_reference import needs_mmpose_reference, run_comparison

BENCHMARKS = ('wflw', '300w', 'aflw', 'cofw', 'lapa', '300wlp', 'coco_wholebody_face')

pytestmark = needs_mmpose_reference


@pytest.fixture(scope='module')
def comparison(tmp_path_factory):
    result, process = run_comparison('compare_datasets_with_mmpose.py',
                                     tmp_path_factory.mktemp('compare') / 'result.json')
    return result['benchmarks'], process


@pytest.mark.parametrize('name', BENCHMARKS)
def test_same_items_metainfo_and_nme_as_mmpose(comparison, name):
    result, process = comparison
    entry = result[name]
    assert entry['count_ours'] == entry['count_mmpose'] == 6
    assert set(entry['item_max_abs_diff']) >= {'img', 'bbox', 'keypoints', 'keypoints_visible', 'input_center',
                                               'input_scale', 'id', 'img_id'}
    assert all(diff == 0 for diff in entry['item_max_abs_diff'].values()), entry['item_max_abs_diff']
    assert entry['metainfo_mismatched'] == entry['metainfo_known_differences']
    compared = [nme for nme in entry['nme'] if nme['mmpose_error'] is None]
    assert compared and all(nme['rel_diff'] < 1e-5 for nme in compared), entry['nme']
    assert entry['passed'], process.stdout[-3000:]


def test_the_known_differences_are_300w_lp_flip_pairs_and_its_nme_default(comparison):
    result, _ = comparison
    assert result['300wlp']['metainfo_mismatched'] == ['flip_indices', 'flip_pairs']
    default, explicit = result['300wlp']['nme']
    assert default['mmpose_error'].startswith('KeyError') and explicit['mmpose_error'] is None
    assert default['ours'] == explicit['ours']
    assert all(not result[name]['metainfo_mismatched'] for name in BENCHMARKS if name != '300wlp')
