"""Tests of the WFLW-98 -> 300W / COFW / AFLW / LaPa / COCO-WholeBody-Face correspondences."""
import runpy
from pathlib import Path

import numpy as np
import pytest

from mmpose_face.data_preparation import landmark_layouts as layouts
from mmpose_face.data_preparation.synthetic.face_shape_model import frontal_template

REPO_ROOT = Path(__file__).resolve().parents[2]
# The data set descriptions (flip pairs) are ours once written; until then mmpose's published ones.
DESCRIPTION_DIRS = (REPO_ROOT / 'configs/_base_/datasets',
                    REPO_ROOT / '.venv-mmpose/lib/python3.11/site-packages/mmpose/.mim/configs/_base_/datasets')
LAYOUT_SIZES = {'wflw': 98, '300w': 68, 'coco_wholebody_face': 68, 'cofw': 29, 'aflw': 19, 'lapa': 106}


def flip_permutation(layout):
    """(K,) index of each point's mirror partner, from the `swap` names of the data set description."""
    for directory in DESCRIPTION_DIRS:
        if (directory / f'{layout}.py').is_file():
            keypoint_info = runpy.run_path(str(directory / f'{layout}.py'))['dataset_info']['keypoint_info']
            break
    else:
        pytest.skip(f'no data set description {layout}.py in {[str(d) for d in DESCRIPTION_DIRS]}')
    index_of = {info['name']: index for index, info in keypoint_info.items()}
    permutation = np.arange(len(keypoint_info))
    for index, info in keypoint_info.items():
        if info['swap']:
            permutation[index] = index_of[info['swap']]
    return permutation


@pytest.mark.parametrize('layout', sorted(LAYOUT_SIZES))
def test_mapping_commutes_with_the_horizontal_flip(layout):
    """Flipping then mapping equals mapping then flipping: each left/right pair maps onto a pair."""
    matrix = layouts.mapping_matrix(layout)
    assert matrix.shape == (LAYOUT_SIZES[layout], 98) == (layouts.num_keypoints(layout), 98)
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    target_flip, wflw_flip = flip_permutation(layout), flip_permutation('wflw')
    np.testing.assert_allclose(matrix[target_flip], matrix[:, wflw_flip], atol=1e-12)
    # The same check on points: a symmetric face maps to a face symmetric under the layout's swap.
    mapped = layouts.map_landmarks(frontal_template(), layout)
    np.testing.assert_allclose(mapped[target_flip] * [-1, 1], mapped, atol=1e-9)


def test_a_wrong_pair_breaks_the_flip_check():
    matrix = layouts.mapping_matrix('cofw')
    swapped = matrix.copy()
    swapped[[8, 10]] = swapped[[10, 8]]            # outer and inner eye corner exchanged on one side
    target_flip, wflw_flip = flip_permutation('cofw'), flip_permutation('wflw')
    assert not np.allclose(swapped[target_flip], swapped[:, wflw_flip])


@pytest.mark.parametrize('layout, wflw_of', [
    # Eye outer corners (each benchmark's inter-ocular NME points), nose tip, chin, pupils.
    ('300w', {36: 60, 45: 72, 39: 64, 42: 68, 30: 54, 8: 16, 0: 0, 16: 32, 48: 76, 54: 82}),
    ('coco_wholebody_face', {36: 60, 45: 72}),
    ('cofw', {8: 60, 9: 72, 10: 64, 11: 68, 16: 96, 17: 97, 20: 54, 22: 76, 23: 82, 28: 16}),
    ('aflw', {6: 60, 11: 72, 7: 96, 10: 97, 0: 33, 5: 46, 13: 54, 15: 76, 17: 82, 18: 16}),
    ('lapa', {66: 60, 79: 72, 70: 64, 75: 68, 104: 96, 105: 97, 0: 0, 16: 16, 32: 32, 54: 54, 84: 76, 90: 82}),
])
def test_named_points_map_to_the_same_wflw_points(layout, wflw_of):
    matrix = layouts.mapping_matrix(layout)
    for target, wflw in wflw_of.items():
        expected = np.zeros(98)
        expected[wflw] = 1
        np.testing.assert_array_equal(matrix[target], expected, err_msg=f'{layout} point {target}')


def test_points_between_wflw_points_and_their_visibility():
    template = frontal_template()
    aflw = layouts.map_landmarks(template, 'aflw')
    np.testing.assert_allclose(aflw[16], (template[90] + template[94]) / 2)    # mouth centre
    lapa = layouts.map_landmarks(template[None], 'lapa')[0]
    np.testing.assert_allclose(lapa[74], template[60:68].mean(axis=0))          # eye centre
    np.testing.assert_allclose(lapa[[55, 60, 65]], template[[55, 57, 59]])        # nose base ends and middle
    np.testing.assert_allclose(lapa[56], 0.6 * template[55] + 0.4 * template[56])
    visible = np.ones(98, dtype=bool)
    visible[94] = False
    aflw_visible = layouts.map_visibility(visible, 'aflw')
    assert not aflw_visible[16] and aflw_visible.sum() == 18                      # made of 90 and 94
    with pytest.raises(ValueError, match="unknown landmark layout 'ibug'"):
        layouts.mapping_matrix('ibug')
