"""Every face data set and its NME side by side with mmpose 1.3.2 (skipped without .venv-mmpose).

Runs ``benchmarks/compare_datasets_with_mmpose.py``: for the same annotation
file in each benchmark's layout, mmpose's data set class and this project's
give the same items in the same order through the val pipeline (to the bit),
the same metainfo (every key mmpose gives, its value and type), and NME of
the benchmark config's evaluator agrees given the same predictions.
"""
import json
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
REFERENCE_PYTHON = osp.join(REPO, '.venv-mmpose', 'bin', 'python')
BENCHMARKS = ('wflw', '300w', 'aflw', 'cofw', 'lapa', '300wlp', 'coco_wholebody_face')

pytestmark = pytest.mark.skipif(
    not osp.isfile(REFERENCE_PYTHON),
    reason='no mmpose 1.3.2 reference environment (.venv-mmpose); '
           'create it with: bash benchmarks/mmpose_reference/setup_env.sh')


@pytest.fixture(scope='module')
def comparison(tmp_path_factory):
    out = tmp_path_factory.mktemp('compare') / 'result.json'
    process = subprocess.run([sys.executable, 'benchmarks/compare_datasets_with_mmpose.py', '--json', str(out)],
                             cwd=REPO, capture_output=True, text=True, timeout=900)
    assert out.is_file(), (process.stdout + process.stderr)[-4000:]
    return json.loads(out.read_text())['benchmarks'], process


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
