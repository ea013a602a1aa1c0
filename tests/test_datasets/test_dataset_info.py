"""Dataset descriptions (``configs/_base_/datasets/*.py``) parsed into metainfo: mmpose's keys and types,
WFLW's known flip pairs, and every benchmark's pairs mirroring real faces onto their partners."""
import json

import numpy as np
import pytest

from mmpose_face.datasets.dataset_info import load_dataset_info

from face_benchmark_samples import DESCRIPTIONS, PUBLISHED_NME_POINTS
from face_layouts import BENCHMARKS

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


# the 68-point iBUG mark-up from WFLW's 98 points (the standard correspondence)
WFLW_TO_68 = (list(range(0, 33, 2)) + [33, 34, 35, 36, 37, 42, 43, 44, 45, 46] + [51, 52, 53, 54]
              + [55, 56, 57, 58, 59] + [60, 61, 63, 64, 65, 67] + [68, 69, 71, 72, 73, 75]
              + list(range(76, 96)))
# AFLW's 19 points from WFLW's: brows (outer, middle, inner corner of each), eyes
# (outer corner, pupil, inner corner), nostrils and nose tip, mouth corners and
# centre, chin (-1: the mean of the lip centres 79 and 85)
WFLW_TO_AFLW = [33, 35, 37, 42, 44, 46, 60, 96, 64, 68, 97, 72, 55, 54, 59, 76, -1, 82, 16]


@pytest.mark.parametrize('name', list(BENCHMARKS))
def test_metainfo_has_the_keys_and_types_of_mmpose(name):
    meta = load_dataset_info(DESCRIPTIONS[name])
    num_keypoints = BENCHMARKS[name][1]
    assert meta['num_keypoints'] == num_keypoints and meta['dataset_name'] == name
    for key in ('upper_body_ids', 'lower_body_ids', 'flip_indices', 'flip_pairs', 'skeleton_links'):
        assert isinstance(meta[key], list), key
    assert meta['keypoint_colors'].dtype == np.uint8 and meta['keypoint_colors'].shape == (num_keypoints, 3)
    assert meta['skeleton_link_colors'].dtype == np.uint8 and meta['num_skeleton_links'] == 0
    assert meta['dataset_keypoint_weights'].dtype == np.float32
    assert meta['dataset_keypoint_weights'].shape == (num_keypoints, )
    assert meta['sigmas'].dtype == np.float32
    assert sorted(meta['keypoint_id2name']) == list(range(num_keypoints))
    # each pair both ways, as mmpose lists them
    assert all((j, i) in meta['flip_pairs'] for i, j in meta['flip_pairs'])
    assert meta.get('nme_keypoint_indices') == PUBLISHED_NME_POINTS.get(name)


def mirror_residuals(points: np.ndarray, flip_indices) -> np.ndarray:
    """(K,) distance of each point from its flip partner reflected across the
    best symmetry axis through the centroid (a wrong pair stands out)."""
    centre = points.mean(axis=0)
    partners = points[list(flip_indices)] - centre
    best = None
    for angle in np.radians(np.arange(0., 180., 0.25)):
        axis = np.array([np.cos(angle), np.sin(angle)])
        reflected = 2 * (partners @ axis)[:, None] * axis - partners + centre
        residuals = np.linalg.norm(points - reflected, axis=1)
        if best is None or residuals.mean() < best.mean():
            best = residuals
    return best


def real_faces(mapping=None):
    """The 4 annotated faces of tests/data (98 WFLW points), mapped to another mark-up."""
    with open('tests/data/test_wflw.json') as f:
        faces = [np.reshape(ann['keypoints'], (98, 3))[:, :2] for ann in json.load(f)['annotations']]
    if mapping is None:
        return faces
    lip_centre = [(face[79] + face[85]) / 2 for face in faces]
    return [np.array([centre if k < 0 else face[k] for k in mapping]) for face, centre in zip(faces, lip_centre)]


@pytest.mark.parametrize('name,mapping,eyes', [
    ('wflw', None, (60, 72)), ('300w', WFLW_TO_68, (36, 45)), ('300wlp', WFLW_TO_68, (36, 45)),
    ('coco_wholebody_face', WFLW_TO_68, (36, 45)), ('aflw', WFLW_TO_AFLW, (6, 11))])
def test_flip_pairs_mirror_real_faces_onto_their_partners(name, mapping, eyes):
    flip_indices = load_dataset_info(DESCRIPTIONS[name])['flip_indices']
    for face in real_faces(mapping):
        interocular = np.linalg.norm(face[eyes[0]] - face[eyes[1]])
        assert mirror_residuals(face, flip_indices).max() < 0.25 * interocular
        # the same check fails with one pair wrong: an outer eye corner swapped with a mouth corner
        wrong = list(flip_indices)
        mouth = {68: (48, 54), 98: (76, 82), 19: (15, 17)}[len(face)]
        wrong[eyes[0]], wrong[mouth[1]] = mouth[1], eyes[0]
        wrong[eyes[1]], wrong[mouth[0]] = mouth[0], eyes[1]
        assert mirror_residuals(face, wrong).max() > 0.5 * interocular
