"""Dataset descriptions (``configs/_base_/datasets/*.py``) parsed into metainfo: WFLW's flip pairs."""
import pytest

from mmpose_face.datasets.dataset_info import load_dataset_info

# WFLW's mirror pairs: jaw k <-> 32 - k, brows, nose wings, eyes, lips, pupils.
EXPECTED_PAIRS = ([(k, 32 - k) for k in range(16)]
                  + [(33, 46), (34, 45), (35, 44), (36, 43), (37, 42), (38, 50), (39, 49), (40, 48), (41, 47)]
                  + [(55, 59), (56, 58)]
                  + [(60, 72), (61, 71), (62, 70), (63, 69), (64, 68), (65, 75), (66, 74), (67, 73)]
                  + [(76, 82), (77, 81), (78, 80), (83, 87), (84, 86), (88, 92), (89, 91), (93, 95)]
                  + [(96, 97)])
ON_THE_AXIS = [16, 51, 52, 53, 54, 57, 79, 85, 90, 94]


@pytest.fixture(scope='module')
def wflw_meta():
    return load_dataset_info('configs/_base_/datasets/wflw.py')


# --------------------------------------------------------------------------- flip pairs
def test_wflw_flip_pairs_are_the_known_symmetric_pairs(wflw_meta):
    flip_indices = wflw_meta['flip_indices']
    assert wflw_meta['num_keypoints'] == 98 and len(flip_indices) == 98
    assert all(flip_indices[flip_indices[k]] == k for k in range(98))  # an involution
    assert sorted({tuple(sorted(pair)) for pair in wflw_meta['flip_pairs']}) == sorted(EXPECTED_PAIRS)
    assert [k for k in range(98) if flip_indices[k] == k] == ON_THE_AXIS
    assert (flip_indices[0], flip_indices[60], flip_indices[96]) == (32, 72, 97)
