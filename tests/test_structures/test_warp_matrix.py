"""get_warp_matrix: mmpose 1.3.2's signature and behaviour, ``shift`` and
``fix_aspect_ratio`` included; checked by geometry here and against mmpose's
own function in the reference environment (``.venv-mmpose``) where it exists."""
import json
import os.path as osp
import subprocess

import numpy as np
import pytest

from mmpose_face.structures import get_warp_matrix

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMPOSE_PYTHON = osp.join(REPO, '.venv-mmpose', 'bin', 'python')
CASES = [  # center, scale, rot, output_size, shift, inv, fix_aspect_ratio
    ([311.5, 207.25], [150.0, 200.0], 37.0, [48, 64], [0.0, 0.0], False, True),
    ([311.5, 207.25], [150.0, 200.0], 37.0, [48, 64], [0.1, -0.2], False, True),
    ([100.0, 80.0], [90.0, 60.0], -20.0, [64, 48], [0.05, 0.15], True, True),
    ([100.0, 80.0], [90.0, 60.0], 0.0, [64, 48], [0.0, 0.0], False, False),
    ([100.0, 80.0], [90.0, 60.0], 75.0, [64, 32], [-0.1, 0.3], False, False),
    ([100.0, 80.0], [90.0, 60.0], 75.0, [64, 32], [-0.1, 0.3], True, False),
]


def ours(case):
    center, scale, rot, output_size, shift, inv, fix = case
    return get_warp_matrix(np.array(center, np.float32), np.array(scale, np.float32), rot, output_size,
                           shift=shift, inv=inv, fix_aspect_ratio=fix)


def test_shift_moves_the_box_by_its_size():
    center, scale = np.array([100., 80.]), np.array([90., 60.])
    warp = get_warp_matrix(center, scale, 30., (64, 64), shift=(0.1, -0.2))
    np.testing.assert_allclose(warp @ [*(center + scale * [0.1, -0.2]), 1], [32, 32], atol=1e-3)
    moved_centre = get_warp_matrix(center + scale * [0.1, -0.2], scale, 30., (64, 64))
    np.testing.assert_allclose(warp, moved_centre, atol=1e-4)


def test_without_fix_aspect_ratio_width_and_height_map_separately():
    center, scale = np.array([100., 80.]), np.array([90., 60.])
    warp = get_warp_matrix(center, scale, 0., (64, 32), fix_aspect_ratio=False)
    np.testing.assert_allclose(warp[:, :2], [[64 / 90, 0], [0, 32 / 60]], atol=1e-6)
    np.testing.assert_allclose(warp @ [*(center + [45, 30]), 1], [64, 32], atol=1e-3)  # box corner -> crop corner
    fixed = get_warp_matrix(center, scale, 0., (64, 32))
    np.testing.assert_allclose(fixed[:, :2], [[64 / 90, 0], [0, 64 / 90]], atol=1e-6)  # width alone sets the zoom


@pytest.mark.skipif(not osp.isfile(MMPOSE_PYTHON), reason='no mmpose 1.3.2 reference environment')
def test_same_matrices_as_mmpose_1_3_2():
    script = ('import json, sys, numpy as np\n'
              'from mmpose.structures.bbox.transforms import get_warp_matrix\n'
              'out = [get_warp_matrix(np.array(c, np.float32), np.array(s, np.float32), r, o, shift=sh, inv=i, '
              'fix_aspect_ratio=f).tolist() for c, s, r, o, sh, i, f in json.loads(sys.argv[1])]\n'
              'print(json.dumps(out))')
    finished = subprocess.run([MMPOSE_PYTHON, '-c', script, json.dumps(CASES)], capture_output=True, text=True,
                              timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    for case, expected in zip(CASES, json.loads(finished.stdout.strip().splitlines()[-1])):
        np.testing.assert_array_equal(ours(case), np.array(expected), err_msg=str(case))  # bit for bit


def test_warp_matrix_inverse():
    center, scale = np.array([311.5, 207.25]), np.array([150.0, 200.0])
    forward = np.vstack([get_warp_matrix(center, scale, 37.0, (48, 64)), [0, 0, 1]])
    inverse = np.vstack([get_warp_matrix(center, scale, 37.0, (48, 64), inv=True), [0, 0, 1]])
    np.testing.assert_allclose(forward @ inverse, np.eye(3), atol=1e-5)
    # the box centre goes to the crop centre and back
    np.testing.assert_allclose(forward @ [*center, 1], [24, 32, 1], atol=1e-3)
    np.testing.assert_allclose(inverse @ [24, 32, 1], [*center, 1], atol=1e-3)
    # scale: the box width (150 px) spans the crop width (48 px)
    assert np.linalg.norm(forward[:2, 0]) == pytest.approx(48 / 150, rel=1e-5)


def test_positive_rotation_turns_the_face_counter_clockwise_in_the_crop():
    """mmpose's convention: with rot = 90, what is above the box centre in the
    image appears left of the crop centre, what is right of it appears above."""
    warp = get_warp_matrix(np.array([100.0, 100.0]), np.array([80.0, 80.0]), 90.0, (64, 64))
    np.testing.assert_allclose(warp @ [100, 80, 1], [16, 32], atol=1e-4)   # 20 px up -> 16 px left
    np.testing.assert_allclose(warp @ [120, 100, 1], [32, 16], atol=1e-4)  # 20 px right -> 16 px up
