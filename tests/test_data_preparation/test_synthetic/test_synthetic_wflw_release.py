"""Tests of the synthetic WFLW generator (mmpose_face/data_preparation/synthetic/)."""
import json
import os
import runpy
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmpose_face.data_preparation.synthetic import face_attributes as attributes
from mmpose_face.data_preparation.synthetic import face_description as description
from mmpose_face.data_preparation.synthetic import face_placement as placement
from mmpose_face.data_preparation.synthetic import face_rendering as rendering
from mmpose_face.data_preparation.synthetic import face_sampling as sampling
from mmpose_face.data_preparation.synthetic import face_shape_model as shape_model
from mmpose_face.data_preparation.synthetic import occluders
from mmpose_face.data_preparation.synthetic import synthetic_wflw_release as release

REPO_ROOT = Path(__file__).resolve().parents[3]
WFLW_CONFIG = REPO_ROOT / 'configs/_base_/datasets/wflw.py'
REAL_SAMPLES = REPO_ROOT / 'tests/data/test_wflw.json'
CLI = REPO_ROOT / 'tools/dataset_converters/make_synthetic_wflw.py'


def flip_permutation():
    """(98,) index of each point's mirror partner, from the `swap` fields of the config."""
    keypoint_info = runpy.run_path(str(WFLW_CONFIG))['dataset_info']['keypoint_info']
    index_of = {info['name']: index for index, info in keypoint_info.items()}
    permutation = np.arange(shape_model.NUM_KEYPOINTS)
    for index, info in keypoint_info.items():
        if info['swap']:
            permutation[index] = index_of[info['swap']]
    return permutation


def read_list(list_file):
    """Landmarks (N, 98, 2), rectangles (N, 4), flags (N, 6), paths [N] of a list file."""
    rows = [line.split(' ') for line in Path(list_file).read_text().splitlines()]
    landmarks = np.array([[float(v) for v in row[:196]] for row in rows]).reshape(-1, 98, 2)
    rectangles = np.array([[int(v) for v in row[196:200]] for row in rows])
    flags = np.array([[int(v) for v in row[200:206]] for row in rows])
    return landmarks, rectangles, flags, [row[206] for row in rows]


def face_frame(landmarks):
    """Landmarks (N, 98, 2) rotated so the pupils are level, nose tip at 0; and the roll (deg)."""
    eye_line = landmarks[:, 97] - landmarks[:, 96]
    roll = np.arctan2(eye_line[:, 1], eye_line[:, 0])
    cos, sin = np.cos(-roll), np.sin(-roll)
    rotation = np.stack([np.stack([cos, -sin], -1), np.stack([sin, cos], -1)], -2)
    levelled = np.einsum('nij,nkj->nki', rotation, landmarks - landmarks[:, 54:55])
    return levelled, np.degrees(roll)


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp('synthetic_wflw')
    summary = release.make_synthetic_wflw(out_dir, num_train=30, num_test=160, seed=3, progress=False)
    return out_dir, summary


def clean_face(shape=None, look=None, yaw=0.0, width=300, height=300):
    """A frontal face of ~160 px, no effects, in the middle of a width x height image."""
    pose = description.FacePose(yaw_deg=yaw, pixels_per_unit=80.0, origin_xy=(width / 2, height / 2 - 10))
    face = placement.place_face(shape or description.FaceShape(), pose, look or description.FaceLook())
    return replace(face, region=(0, 0, width, height))


def render(faces, seed=0, width=300, height=300):
    return rendering.render_image(np.random.default_rng(seed), height, width, faces)


def hull_mask(face, shape_hw):
    mask = np.zeros(shape_hw, dtype=np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(face.landmarks.astype(np.int32)), 1)
    return mask.astype(bool)


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


def test_yaw_compresses_the_far_side_and_moves_the_nose_towards_it():
    frontal = clean_face()
    turned = clean_face(yaw=35.0)
    width = lambda face, a, b: abs(face.landmarks[a, 0] - face.landmarks[b, 0])  # noqa: E731
    assert width(turned, 54, 32) < 0.8 * width(frontal, 54, 32)   # image-right half is the far side
    assert width(turned, 0, 54) > width(frontal, 0, 54)
    assert turned.landmarks[54, 0] > frontal.landmarks[54, 0]


# ---------------------------------------------------------------- drawing
def test_landmarks_sit_on_drawn_structures():
    shape = replace(description.FaceShape(), mouth_open=0.25)
    face = clean_face(shape=shape)
    image = render([face])
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(int)
    sample = lambda point: grey[int(round(point[1])), int(round(point[0]))]  # noqa: E731
    skin = sample(0.5 * (face.landmarks[54] + face.landmarks[1]))
    assert sample(face.landmarks[96]) < 50 and sample(face.landmarks[97]) < 50   # pupils
    assert sample(0.5 * (face.landmarks[90] + face.landmarks[94]) + [0, 4]) < skin - 60  # open mouth
    # Every landmark lies on an edge: the image varies within 2 px of it.
    for point in face.landmarks:
        x, y = int(round(point[0])), int(round(point[1]))
        patch = grey[y - 2:y + 3, x - 2:x + 3]
        assert patch.max() - patch.min() > 25, point


def test_blur_flag_means_a_blurred_face():
    face = clean_face()
    box = face.face_box
    sharpness = {}
    for name, blur in [('none', None), ('gaussian', description.BlurEffect('gaussian', 2.5)),
                       ('motion', description.BlurEffect('motion', 9.0, 30.0))]:
        image = render([replace(face, blur=blur)])
        crop = cv2.cvtColor(image[box[1]:box[3], box[0]:box[2]], cv2.COLOR_BGR2GRAY)
        sharpness[name] = cv2.Laplacian(crop, cv2.CV_64F).var()
        assert attributes.attribute_flags(replace(face, blur=blur))[5] == (blur is not None)
    assert sharpness['gaussian'] < 0.5 * sharpness['none']
    assert sharpness['motion'] < 0.5 * sharpness['none']


def test_illumination_flag_means_dark_bright_or_steep_lighting():
    face = clean_face()
    inside = hull_mask(face, (300, 300))
    grey = lambda image: cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).astype(float)  # noqa: E731
    normal = grey(render([face]))
    dark = grey(render([replace(face, illumination=description.IlluminationChange(0.3, 0.3))]))
    bright = grey(render([replace(face, illumination=description.IlluminationChange(2.0, 2.0))]))
    ramp = grey(render([replace(face, illumination=description.IlluminationChange(0.25, 1.5, 0.0))]))
    assert dark[inside].mean() < 0.5 * normal[inside].mean()
    assert bright[inside].mean() > 1.3 * normal[inside].mean()
    left, right = inside.copy(), inside.copy()   # outer thirds of the face
    left[:, 110:] = False
    right[:, :190] = False
    assert ramp[left].mean() < 0.6 * normal[left].mean()
    assert ramp[right].mean() > 1.2 * normal[right].mean()
    for change in (description.IlluminationChange(0.3, 0.3), description.IlluminationChange(2.0, 2.0),
                   description.IlluminationChange(0.25, 1.5)):
        assert attributes.attribute_flags(replace(face, illumination=change))[2] == 1
    assert attributes.attribute_flags(face)[2] == 0


def test_makeup_flag_means_saturated_lips():
    rng = np.random.default_rng(0)
    for _ in range(5):
        natural, made_up = sampling.sample_face_look(rng, makeup=False), sampling.sample_face_look(rng, makeup=True)
        saturation = {}
        for name, look in (('natural', natural), ('made_up', made_up)):
            face = clean_face(look=look)
            hsv = cv2.cvtColor(render([face]), cv2.COLOR_BGR2HSV)
            lips = np.zeros((300, 300), dtype=np.uint8)
            cv2.fillPoly(lips, [np.round(face.landmarks[76:88]).astype(np.int32)], 1)
            saturation[name] = hsv[..., 1][lips.astype(bool)].mean()
            assert attributes.attribute_flags(face)[3] == (look is made_up)
        assert saturation['made_up'] > saturation['natural'] + 40


def test_occluder_hides_landmarks_of_its_face_only():
    rng = np.random.default_rng(1)
    for _ in range(10):
        face = clean_face()
        occluded = replace(face, occluder=occluders.sample_occluder(rng, face))
        covered = occluders.occluded_landmarks(occluded)
        assert covered.sum() >= attributes.MIN_OCCLUDED_LANDMARKS
        plain, hidden = render([face]), render([occluded])
        changed = np.abs(plain.astype(int) - hidden.astype(int)).max(axis=2) > 20
        points = np.round(face.landmarks[covered]).astype(int)
        assert changed[points[:, 1], points[:, 0]].mean() > 0.5
        np.testing.assert_array_equal(occluded.landmarks, face.landmarks)   # true positions kept
        assert attributes.attribute_flags(occluded)[4] == 1 and attributes.attribute_flags(face)[4] == 0


def test_sampled_flags_are_the_flags_of_what_is_drawn(monkeypatch):
    requested = []
    original = sampling.sample_attribute_flags

    def recording(rng):
        flags = original(rng)
        requested.append(tuple(int(flags[name]) for name in attributes.ATTRIBUTE_NAMES))
        return flags

    monkeypatch.setattr(sampling, 'sample_attribute_flags', recording)
    rng = np.random.default_rng(7)
    drawn = []
    for _ in range(150):
        faces = sampling.sample_faces(rng, 1, 300, 280)
        drawn.extend(attributes.attribute_flags(face) for face in faces)
    assert drawn == requested
    assert np.array(drawn).sum(axis=0).min() > 5


# ---------------------------------------------------------------- data set files
def test_list_lines_follow_the_wflw_release_format(dataset):
    out_dir, summary = dataset
    for split, num_faces in (('train', 30), ('test', 160)):
        list_file = out_dir / release.LIST_DIR / f'list_98pt_rect_attr_{split}.txt'
        assert Path(summary[f'{split}_list']) == list_file
        lines = list_file.read_text().splitlines()
        assert len(lines) == num_faces
        for line in lines:
            fields = line.split(' ')
            assert len(fields) == 196 + 4 + 6 + 1
            assert all(len(v.split('.')[1]) == 6 for v in fields[:196])
            assert all(v.lstrip('-').isdigit() for v in fields[196:200])
            assert set(fields[200:206]) <= {'0', '1'}
            assert fields[206].split('/')[0] in ('0--Synthetic', '1--SyntheticGroup')
        landmarks, rectangles, _, paths = read_list(list_file)
        inside = []
        for face_landmarks, rectangle, path in zip(landmarks, rectangles, paths):
            image = cv2.imread(str(out_dir / release.IMAGE_DIR / path))
            assert image is not None, path
            height, width = image.shape[:2]
            assert 256 <= height <= 320 and 256 <= width <= 320
            x_min, y_min, x_max, y_max = rectangle
            assert 0 <= x_min < x_max <= width - 1 and 0 <= y_min < y_max <= height - 1
            low, high = face_landmarks.min(axis=0), face_landmarks.max(axis=0)
            size = high - low
            assert np.all(np.abs([x_min, y_min] - low) <= 0.12 * size + 2)   # a detector-like box
            assert np.all(np.abs([x_max, y_max] - high) <= 0.12 * size + 2)
            inside.append(np.all((low >= 0) & (high <= [width - 1, height - 1])))
            assert sampling.MIN_FACE_WIDTH - 1 <= size[0] <= 201   # faces ~64-200 px wide
        assert np.mean(inside) >= 0.95


def test_test_split_has_every_attribute_subset_and_group_images(dataset):
    out_dir, summary = dataset
    _, _, flags, paths = read_list(out_dir / release.LIST_DIR / 'list_98pt_rect_attr_test.txt')
    counts = dict(zip(attributes.ATTRIBUTE_NAMES, flags.sum(axis=0).tolist()))
    assert min(counts.values()) > 0, counts
    assert counts == summary['attribute_counts']['test']
    assert (flags.sum(axis=1) == 0).sum() > 20                  # plenty of plain faces too
    repeated = [path for path in set(paths) if paths.count(path) > 1]
    assert repeated and all(path.startswith('1--SyntheticGroup/') for path in repeated)


def test_pose_and_expression_flags_match_the_landmarks(dataset):
    out_dir, _ = dataset
    landmarks, _, flags, _ = read_list(out_dir / release.LIST_DIR / 'list_98pt_rect_attr_test.txt')
    levelled, roll = face_frame(landmarks)
    jaw_width = levelled[:, 32, 0] - levelled[:, 0, 0]
    # Nose tip off the middle of the jaw: 0 when frontal, grows with |yaw|.
    yaw_asymmetry = np.abs((levelled[:, 54, 0] - levelled[:, 0, 0]) - (levelled[:, 32, 0] - levelled[:, 54, 0]))
    large_pose = (np.abs(roll) > 28) | (yaw_asymmetry / jaw_width > 0.475)
    np.testing.assert_array_equal(flags[:, 0], large_pose.astype(int))

    eye_distance = np.linalg.norm(landmarks[:, 60] - landmarks[:, 72], axis=1)
    mouth_gap = (levelled[:, 94, 1] - levelled[:, 90, 1]) / eye_distance
    corner_lift = (0.5 * (levelled[:, 90, 1] + levelled[:, 94, 1])
                   - 0.5 * (levelled[:, 76, 1] + levelled[:, 82, 1])) / eye_distance
    expressive = (mouth_gap > 0.08) | (corner_lift > 0.065)
    np.testing.assert_array_equal(flags[:, 1], expressive.astype(int))


def test_same_seed_same_files_and_reruns_overwrite(tmp_path):
    first = release.make_synthetic_wflw(tmp_path / 'a', 6, 5, seed=11, progress=False)
    second = release.make_synthetic_wflw(tmp_path / 'b', 6, 5, seed=11, progress=False)
    other = release.make_synthetic_wflw(tmp_path / 'c', 6, 5, seed=12, progress=False)
    for split in release.SPLITS:
        text = Path(first[f'{split}_list']).read_bytes()
        assert text == Path(second[f'{split}_list']).read_bytes()
        assert text != Path(other[f'{split}_list']).read_bytes()
    # Train and test come from separate streams: more train faces leave test unchanged.
    bigger = release.make_synthetic_wflw(tmp_path / 'd', 9, 5, seed=11, progress=False)
    assert Path(bigger['test_list']).read_bytes() == Path(first['test_list']).read_bytes()

    stale = tmp_path / 'a' / release.IMAGE_DIR / '0--Synthetic' / 'stale.jpg'
    stale.write_bytes(b'old')
    rerun = release.make_synthetic_wflw(tmp_path / 'a', 2, 1, seed=11, progress=False)
    assert not stale.exists()
    assert len(Path(rerun['train_list']).read_text().splitlines()) == 2
    images = list((tmp_path / 'a' / release.IMAGE_DIR).rglob('*.jpg'))
    assert len(images) == sum(rerun['num_images'].values())
    assert json.loads((tmp_path / 'a' / release.SUMMARY_FILE).read_text())['complete'] is True


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_train=0, num_test=1), 'num_train'),
    (dict(num_train=1, num_test=-2), 'num_test'),
    (dict(num_train=1.5, num_test=1), 'num_train'),
    (dict(num_train=True, num_test=1), 'num_train'),
    (dict(num_train=1, num_test=1, seed=-1), 'seed'),
])
def test_bad_arguments_are_refused(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        release.make_synthetic_wflw(tmp_path / 'out', progress=False, **kwargs)
    assert not (tmp_path / 'out').exists()


def test_refuses_to_overwrite_a_folder_it_did_not_make(tmp_path):
    real_release = tmp_path / 'wflw'
    (real_release / release.IMAGE_DIR).mkdir(parents=True)
    with pytest.raises(ValueError, match='refusing to overwrite'):
        release.make_synthetic_wflw(real_release, 1, 1, progress=False)
    assert (real_release / release.IMAGE_DIR).is_dir()
    a_file = tmp_path / 'file'
    a_file.write_text('x')
    with pytest.raises(ValueError, match='not a directory'):
        release.make_synthetic_wflw(a_file, 1, 1, progress=False)


def test_command_line_tool(tmp_path):
    out_dir = tmp_path / 'cli'
    result = subprocess.run(
        [sys.executable, str(CLI), '--out', str(out_dir), '--train', '3', '--test', '2', '--seed', '5',
         '--no-progress'], capture_output=True, text=True, cwd=tmp_path, env=dict(os.environ), timeout=120)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary['num_faces'] == {'train': 3, 'test': 2}
    library = release.make_synthetic_wflw(tmp_path / 'lib', 3, 2, seed=5, progress=False)
    for split in release.SPLITS:
        assert Path(summary[f'{split}_list']).read_bytes() == Path(library[f'{split}_list']).read_bytes()



def test_command_line_tool_reports_bad_arguments(tmp_path):
    tool = runpy.run_path(str(CLI))   # in-process: a second interpreter start costs seconds
    with pytest.raises(SystemExit, match='num_train must be an integer >= 1'):
        tool['main'](['--out', str(tmp_path / 'bad'), '--train', '0', '--no-progress'])
    assert not (tmp_path / 'bad').exists()
