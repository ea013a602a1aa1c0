"""The synthetic WFLW release (``synthetic_wflw_release.py``): list files in WFLW's format, attribute
subsets, flags that match the landmarks, reruns, the command line."""
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmpose_face.data_preparation.synthetic import face_attributes as attributes
from mmpose_face.data_preparation.synthetic import face_sampling as sampling
from mmpose_face.data_preparation.synthetic import synthetic_wflw_release as release

from synthetic_faces import REPO_ROOT

CLI = REPO_ROOT / 'tools/dataset_converters/make_synthetic_wflw.py'


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

def test_an_interrupted_run_leaves_nothing_half_written_and_a_rerun_succeeds(tmp_path, monkeypatch):
    out_dir = tmp_path / 'release'
    calls = []
    original = release.render_image

    def failing_half_way(*args, **kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise KeyboardInterrupt('killed half way')
        return original(*args, **kwargs)

    monkeypatch.setattr(release, 'render_image', failing_half_way)
    with pytest.raises(KeyboardInterrupt):
        release.make_synthetic_wflw(out_dir, 6, 3, seed=2, progress=False)
    assert len(calls) == 4 and not out_dir.exists()           # a first run leaves no folder at all

    first = release.make_synthetic_wflw(out_dir, 2, 1, seed=2, progress=False)   # complete, unpatched
    before = {path: path.read_bytes() for path in out_dir.rglob('*') if path.is_file()}
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        release.make_synthetic_wflw(out_dir, 6, 3, seed=4, progress=False)
    after = {path: path.read_bytes() for path in out_dir.rglob('*') if path.is_file()}
    assert after == before                                   # the earlier set, untouched, no staging left

    monkeypatch.setattr(release, 'render_image', original)
    rerun = release.make_synthetic_wflw(out_dir, 6, 3, seed=4, progress=False)
    assert len(Path(rerun['train_list']).read_text().splitlines()) == 6
    assert Path(rerun['train_list']).read_bytes() != before[Path(first['train_list'])]
    assert sorted(path.name for path in out_dir.iterdir()) == ['WFLW_annotations', 'WFLW_images', release.SUMMARY_FILE]


def test_a_set_left_without_its_summary_is_replaced(tmp_path):
    """What an older writer killed half way left (images, no summary) no longer blocks a rerun."""
    out_dir = tmp_path / 'release'
    release.make_synthetic_wflw(out_dir, 2, 1, seed=0, progress=False)
    (out_dir / release.SUMMARY_FILE).unlink()
    (out_dir / 'WFLW_annotations' / 'list_98pt_rect_attr_train_test' / 'list_98pt_rect_attr_test.txt').unlink()
    summary = release.make_synthetic_wflw(out_dir, 3, 1, seed=0, progress=False)
    assert len(Path(summary['train_list']).read_text().splitlines()) == 3
    images = list((out_dir / release.IMAGE_DIR).rglob('*.jpg'))
    assert len(images) == sum(summary['num_images'].values())
    # A folder with anything else in it is not ours: refused, left alone.
    (out_dir / release.SUMMARY_FILE).unlink()
    (out_dir / release.IMAGE_DIR / '0--Parade').mkdir()
    with pytest.raises(ValueError, match='refusing to overwrite'):
        release.make_synthetic_wflw(out_dir, 1, 1, progress=False)
    assert (out_dir / release.IMAGE_DIR / '0--Parade').is_dir()
