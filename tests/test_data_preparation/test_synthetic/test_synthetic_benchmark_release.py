"""Tests of the synthetic releases of 300W, COFW, AFLW, LaPa and COCO-WholeBody-Face.

Each release is drawn, converted by the benchmark's own converter, and the
converted annotations are compared with the faces that were drawn.
"""
import json
import math
import runpy
from pathlib import Path

import numpy as np
import pytest

from mmpose_face.data_preparation.synthetic import synthetic_benchmark_release as release

REPO_ROOT = Path(__file__).resolve().parents[3]
CLI = REPO_ROOT / 'tools/dataset_converters/make_synthetic_faces.py'


@pytest.fixture
def recorded_draws(monkeypatch):
    """The DrawnFace lists make_synthetic_face_dataset draws, per split in drawing order."""
    draws = []
    original = release.draw_faces

    def recording(rng, count, layout):
        faces = original(rng, count, layout)
        draws.append(faces)
        return faces

    monkeypatch.setattr(release, 'draw_faces', recording)
    return draws


def annotations_by_file(path):
    document = json.loads(Path(path).read_text())
    file_names = {image['id']: image['file_name'] for image in document['images']}
    return {file_names[a['image_id']]: a for a in document['annotations']}, document


def keypoints_of(annotation, key='keypoints'):
    return np.array(annotation[key]).reshape(-1, 3)


def assert_same_face(annotation, face, key='keypoints', with_occlusion=True):
    """Same points (pixels, to the 6 decimals of text formats); v = 1 where occluded if the format says so."""
    keypoints = keypoints_of(annotation, key)
    np.testing.assert_allclose(keypoints[:, :2], face.keypoints, atol=2e-6)
    expected = np.where(face.visible, 2, 1) if with_occlusion else np.full(len(face.visible), 2)
    np.testing.assert_array_equal(keypoints[:, 2], expected)


def test_300w_round_trip_with_subsets(tmp_path, recorded_draws):
    data = release.prepare_synthetic_benchmark(tmp_path, '300w', 3, 7, seed=2)
    train, test = recorded_draws
    assert all(face.keypoints.shape == (68, 2) for face in train + test)
    by_file, _ = annotations_by_file(data / 'annotations/face_landmarks_300w_train.json')
    assert len(by_file) == 3
    for file_name, annotation in by_file.items():
        assert_same_face(annotation, train[int(Path(file_name).stem.split('_')[-1])], with_occlusion=False)
        assert (data / 'images' / file_name).is_file()
    subsets = {}
    for name in ('valid', 'test'):
        for file_name, annotation in annotations_by_file(data / f'annotations/face_landmarks_300w_{name}.json')[0].items():
            index = int(Path(file_name).stem.split('_')[-1])
            assert_same_face(annotation, test[index], with_occlusion=False)
            subsets[index] = annotation['subset']
    assert subsets == {i: ('common', 'challenging', 'private')[i % 3] for i in range(7)}


def test_cofw_round_trip_through_matlab_v73(tmp_path, recorded_draws):
    data = release.prepare_synthetic_benchmark(tmp_path, 'cofw', 3, 2, seed=4)
    from mmpose_face.data_preparation.cofw_release_converter import is_hdf5_file
    assert is_hdf5_file(tmp_path / 'release/COFW_train_color.mat')
    train, test = recorded_draws
    for split, faces in (('train', train), ('test', test)):
        document = json.loads((data / f'annotations/cofw_{split}.json').read_text())
        for annotation, image, face in zip(document['annotations'], document['images'], faces):
            assert_same_face(annotation, face)
            assert (image['height'], image['width']) == face.image.shape[:2]
            x_min, y_min, x_max, y_max = face.face_box
            np.testing.assert_allclose(annotation['bbox'], [x_min, y_min, x_max - x_min, y_max - y_min])


def test_aflw_round_trip_with_frontal_subset_and_box_size(tmp_path, recorded_draws):
    data = release.prepare_synthetic_benchmark(tmp_path, 'aflw', 4, 5, seed=0)
    train, test = recorded_draws
    for name, faces in (('train', train), ('test', test)):
        document = json.loads((data / f'annotations/face_landmarks_aflw_{name}.json').read_text())
        assert len(document['annotations']) == len(faces)
        for annotation, face in zip(document['annotations'], faces):
            assert_same_face(annotation, face)
            x_min, y_min, x_max, y_max = face.face_box
            assert annotation['box_size'] == pytest.approx(math.sqrt((x_max - x_min) * (y_max - y_min)))
            assert annotation['frontal'] == bool(face.visible.all())
    frontal = json.loads((data / 'annotations/face_landmarks_aflw_test_frontal.json').read_text())
    assert len(frontal['annotations']) == sum(face.visible.all() for face in test)
    assert all(annotation['frontal'] for annotation in frontal['annotations'])


def test_lapa_and_coco_wholebody_round_trip(tmp_path, recorded_draws):
    data = release.prepare_synthetic_benchmark(tmp_path / 'lapa', 'lapa', 2, 2, seed=5)
    for split, faces in zip(('train', 'val', 'test'), recorded_draws):
        document = json.loads((data / f'annotations/lapa_{split}.json').read_text())
        assert [image['file_name'] for image in document['images']] == [
            f'{split}/images/synthetic_{split}_{index:06d}.jpg' for index in range(2)]
        for annotation, face in zip(document['annotations'], faces):
            np.testing.assert_allclose(keypoints_of(annotation)[:, :2], face.keypoints, atol=2e-6)
    recorded_draws.clear()
    data = release.prepare_synthetic_benchmark(tmp_path / 'coco', 'coco_wholebody_face', 2, 3, seed=5)
    for split, faces in zip(('train', 'val'), recorded_draws):
        document = json.loads((data / f'annotations/coco_wholebody_{split}_v1.0.json').read_text())
        assert len(document['annotations']) == len(faces)
        for annotation, face in zip(document['annotations'], faces):
            assert_same_face(annotation, face, key='face_kpts')
            assert annotation['face_valid'] is True
        assert all((data / f'{split}2017' / image['file_name']).is_file() for image in document['images'])


def test_same_seed_same_files_and_a_foreign_folder_is_refused(tmp_path):
    first = release.make_synthetic_face_dataset(tmp_path / 'a', 'lapa', 1, 1, seed=9)
    release.make_synthetic_face_dataset(tmp_path / 'b', 'lapa', 1, 1, seed=9)
    release.make_synthetic_face_dataset(tmp_path / 'c', 'lapa', 1, 1, seed=10)
    text = {name: (tmp_path / name / 'test/landmarks/synthetic_test_000000.txt').read_text() for name in 'abc'}
    assert text['a'] == text['b'] != text['c']
    assert first['num_faces'] == {'train': 1, 'val': 1, 'test': 1}
    release.make_synthetic_face_dataset(tmp_path / 'a', 'aflw', 1, 1, seed=9)   # replaces its own set
    assert not (tmp_path / 'a/test').exists() and (tmp_path / 'a/AFLWinfo_release.mat').is_file()
    (tmp_path / 'real').mkdir()
    (tmp_path / 'real/keep.txt').write_text('x')
    with pytest.raises(ValueError, match='refusing to overwrite'):
        release.make_synthetic_face_dataset(tmp_path / 'real', 'cofw', 1, 1)
    assert (tmp_path / 'real/keep.txt').is_file()
    with pytest.raises(ValueError, match='num_test must be an integer >= 6 for 300w'):
        release.make_synthetic_face_dataset(tmp_path / 'x', '300w', 3, 5)
    with pytest.raises(ValueError, match='layout must be one of'):
        release.make_synthetic_face_dataset(tmp_path / 'x', 'helen', 3, 5)


def test_command_line_tool(tmp_path, capsys):
    tool = runpy.run_path(str(CLI))
    assert tool['main'](['--layout', 'cofw', '--out', str(tmp_path / 'release'), '--train', '1', '--test', '1',
                         '--convert-to', str(tmp_path / 'data')]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary['converted']['test'].endswith('cofw_test.json')
    assert (tmp_path / 'data/annotations/cofw_train.json').is_file()
    assert tool['main'](['--layout', '300w', '--out', str(tmp_path / 'bad'), '--test', '2']) == 1
    assert 'num_test must be an integer >= 6' in capsys.readouterr().err
