"""The 98-point face shape model: a template mirror-symmetric under WFLW's swap, ordered as real WFLW
faces, laid out as WFLW defines; the two sides carry different marks."""
import json
import runpy

import numpy as np

from mmpose_face.data_preparation.synthetic import face_description as description
from mmpose_face.data_preparation.synthetic import face_sampling as sampling
from mmpose_face.data_preparation.synthetic import face_shape_model as shape_model

from synthetic_faces import REPO_ROOT, clean_face, hull_mask, render

WFLW_CONFIG = REPO_ROOT / 'configs/_base_/datasets/wflw.py'
REAL_SAMPLES = REPO_ROOT / 'tests/data/test_wflw.json'


def flip_permutation():
    """(98,) index of each point's mirror partner, from the `swap` fields of the config."""
    keypoint_info = runpy.run_path(str(WFLW_CONFIG))['dataset_info']['keypoint_info']
    index_of = {info['name']: index for index, info in keypoint_info.items()}
    permutation = np.arange(shape_model.NUM_KEYPOINTS)
    for index, info in keypoint_info.items():
        if info['swap']:
            permutation[index] = index_of[info['swap']]
    return permutation


# ---------------------------------------------------------------- geometry
def test_frontal_template_is_mirror_symmetric_under_the_wflw_swap():
    permutation = flip_permutation()
    rng = np.random.default_rng(0)
    shapes = [description.FaceShape()] + [sampling.sample_face_shape(rng, expressive=bool(i % 2)) for i in range(6)]
    for shape in shapes:
        template = shape_model.frontal_template(shape)
        mirrored = template[permutation] * [-1, 1]
        np.testing.assert_allclose(mirrored, template, atol=1e-9)
        # Mirroring without the swap must not give the face back: the check has teeth.
        assert np.abs(template * [-1, 1] - template).max() > 0.1


def test_template_agrees_with_every_point_order_of_real_wflw_faces():
    """Any 'point i is left of / above point j' that holds in all real samples holds here too."""
    annotations = json.loads(REAL_SAMPLES.read_text())['annotations']
    real = [np.array(a['keypoints'], dtype=np.float64).reshape(-1, 3)[:, :2] for a in annotations]
    template = shape_model.frontal_template()
    checked = 0
    for axis in (0, 1):
        for i in range(shape_model.NUM_KEYPOINTS):
            for j in range(i + 1, shape_model.NUM_KEYPOINTS):
                gaps = np.array([(r[i, axis] - r[j, axis]) / np.ptp(r[:, 0]) for r in real])
                if np.all(gaps > 0.08) or np.all(gaps < -0.08):
                    checked += 1
                    assert np.sign(template[i, axis] - template[j, axis]) == np.sign(gaps[0]), (axis, i, j)
    assert checked > 5000


def test_template_layout_follows_the_wflw_definition():
    t = shape_model.frontal_template()
    x, y = t[:, 0], t[:, 1]
    assert np.all(x[:16] < 0) and np.all(x[17:33] > 0) and abs(x[16]) < 1e-9
    assert y[16] == y[:33].max()                          # 16 is the chin
    assert np.all(x[33:42] < 0) and np.all(x[42:51] > 0)  # brows
    assert x[33] < x[37] and x[46] > x[42]                # outer ends first / last
    assert np.all(np.diff(y[51:55]) > 0)                  # bridge runs down to the tip
    assert np.all(np.diff(x[55:60]) > 0)                  # nostril base left to right
    assert x[60] < x[64] < x[68] < x[72]                  # eye corners outer-inner-inner-outer
    assert np.all(y[61:64] < y[[67, 66, 65]])             # upper lid above the lower lid
    assert x[96] < 0 < x[97]
    assert x[76] < x[88] < x[92] < x[82]
    assert np.all(y[77:82] < y[[87, 86, 85, 84, 83]])     # upper outer lip above the lower


def test_the_two_sides_of_a_face_carry_different_marks():
    parts = shape_model.build_face_points(description.FaceShape())
    assert parts['mole'][0, 0] < 0                        # mole on the image-left cheek
    fringe = parts['fringe']
    assert fringe[np.argmax(fringe[:, 1]), 0] < 0         # fringe hangs lowest on the image left
    image = render([clean_face()])
    face = clean_face()
    mirrored_image = image[:, ::-1]
    inside = hull_mask(face, image.shape[:2]) & hull_mask(face, image.shape[:2])[:, ::-1]
    difference = np.abs(image.astype(int) - mirrored_image.astype(int)).max(axis=2)
    assert (difference[inside] > 60).sum() > 50           # the mirror image is a different picture
