"""Tests of the COFW release (.mat files holding images, 29 points + occlusion, boxes) conversion.

The sample files are written here from COFW's description: ``IsTr``/``IsT`` a
cell of RGB images, ``phisTr``/``phisT`` one row per face (29 x, 29 y in
1-based MATLAB pixels, 29 occlusion flags), ``bboxesTr``/``bboxesT`` one
``x y w h`` row per face. The colour release is MATLAB v7.3 (HDF5: arrays
stored column-major, the cell as object references); v5 files are read too.
"""
import json
import runpy
from pathlib import Path

import cv2
import h5py
import numpy as np
import pytest
import scipy.io

from mmpose_face.data_preparation.cofw_release_converter import (annotation_file, convert_cofw, is_hdf5_file,
                                                                 read_cofw_mat)
from mmpose_face.errors import ReleaseFormatError

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = REPO_ROOT / 'tools/dataset_converters/cofw2coco.py'
KEYS = {'train': ('IsTr', 'phisTr', 'bboxesTr'), 'test': ('IsT', 'phisT', 'bboxesT')}
FILES = {'train': 'COFW_train_color.mat', 'test': 'COFW_test_color.mat'}


def sample_faces(count, seed):
    """RGB images with a known colour per face, 1-based points, occlusion flags, boxes."""
    rng = np.random.default_rng(seed)
    images, phis, boxes = [], [], []
    for index in range(count):
        image = np.zeros((60 + index, 80, 3), np.uint8)
        image[..., 0] = 200                     # red in RGB
        image[..., 2] = 10 * index              # blue varies per face
        xy = rng.uniform(5, 50, (2, 29))
        flags = (rng.random(29) < 0.3).astype(float)
        phis.append(np.concatenate([xy[0], xy[1], flags]))
        boxes.append([3.0, -2.0, 40.0, 45.0])   # a negative y is clipped, as in mmpose's files
        images.append(image)
    phis[0][0] = 0.5                            # x = -0.5 once shifted: clipped to 0
    return images, np.array(phis), np.array(boxes)


def write_v73(path, split, images, phis, boxes):
    images_key, phis_key, boxes_key = KEYS[split]
    with h5py.File(path, 'w', userblock_size=512) as mat:
        references = mat.create_dataset(images_key, (1, len(images)), dtype=h5py.ref_dtype)
        for index, image in enumerate(images):
            references[0, index] = mat.create_dataset(f'#refs#/{index}', data=image.T).ref
        mat.create_dataset(phis_key, data=phis.T)
        mat.create_dataset(boxes_key, data=boxes.T)


def write_v5(path, split, images, phis, boxes):
    images_key, phis_key, boxes_key = KEYS[split]
    cell = np.empty((len(images), 1), dtype=object)
    for index, image in enumerate(images):
        cell[index, 0] = image
    scipy.io.savemat(str(path), {images_key: cell, phis_key: phis, boxes_key: boxes})


@pytest.fixture
def release(tmp_path):
    root = tmp_path / 'cofw'
    root.mkdir()
    samples = {'train': sample_faces(3, 0), 'test': sample_faces(2, 1)}
    write_v73(root / FILES['train'], 'train', *samples['train'])
    write_v5(root / FILES['test'], 'test', *samples['test'])
    return root, samples


def test_reads_v73_and_v5_files_alike(release, tmp_path):
    root, samples = release
    assert is_hdf5_file(root / FILES['train']) and not is_hdf5_file(root / FILES['test'])
    write_v5(tmp_path / 'train_v5.mat', 'train', *samples['train'])
    from_hdf5 = read_cofw_mat(root / FILES['train'], 'train')
    from_v5 = read_cofw_mat(tmp_path / 'train_v5.mat', 'train')
    for first, second in zip(from_hdf5[1:], from_v5[1:]):
        np.testing.assert_array_equal(first, second)
    for first, second, original in zip(from_hdf5[0], from_v5[0], samples['train'][0]):
        np.testing.assert_array_equal(first, original)
        np.testing.assert_array_equal(second, original)


def test_converts_like_mmpose_files(release, tmp_path):
    root, samples = release
    written = convert_cofw(root, tmp_path / 'out')
    assert written == {split: annotation_file(tmp_path / 'out/annotations', split) for split in ('train', 'test')}
    face_id = 0
    for split in ('train', 'test'):
        document = json.loads(written[split].read_text())
        images, phis, boxes = samples[split]
        assert len(document['annotations']) == len(images)
        for annotation, image_record, image, row in zip(document['annotations'], document['images'], images, phis):
            face_id += 1                           # ids count over both splits, from 1
            assert annotation['id'] == annotation['image_id'] == image_record['id'] == face_id
            assert image_record['file_name'] == f'{face_id:06d}.jpg'
            keypoints = np.array(annotation['keypoints']).reshape(29, 3)
            expected_xy = np.maximum(np.stack([row[:29], row[29:58]], 1) - 1, 0)
            np.testing.assert_allclose(keypoints[:, :2], expected_xy)
            np.testing.assert_array_equal(keypoints[:, 2], 2 - row[58:])   # 2 visible, 1 occluded
            assert annotation['bbox'] == [3.0, 0.0, 40.0, 45.0]
            written_image = cv2.imread(str(tmp_path / 'out/images' / image_record['file_name']))
            assert written_image.shape == image.shape == (image_record['height'], image_record['width'], 3)
            # RGB in the .mat, BGR on disk: red lands in channel 2.
            assert abs(int(written_image[..., 2].mean()) - 200) <= 3
    assert json.loads(written['train'].read_text())['annotations'][0]['keypoints'][0] == 0.0


def test_bad_files_name_the_file_and_the_face(release, tmp_path):
    root, samples = release
    images, phis, boxes = samples['test']
    bad_flags = phis.copy()
    bad_flags[1, 60] = 2
    write_v5(root / FILES['test'], 'test', images, bad_flags, boxes)
    with pytest.raises(ReleaseFormatError, match=r'COFW_test_color\.mat: face 2: occlusion flags must be 0 or 1'):
        convert_cofw(root, tmp_path / 'out')
    assert not (tmp_path / 'out').exists()

    write_v5(root / FILES['test'], 'test', images, phis[:, :58], boxes)
    with pytest.raises(ReleaseFormatError, match=r'phisT has shape \(2, 58\)'):
        convert_cofw(root, tmp_path / 'out')
    scipy.io.savemat(str(root / FILES['test']), {'IsT': np.zeros(1)})
    with pytest.raises(ReleaseFormatError, match=r"variables \['phisT', 'bboxesT'\] not found"):
        convert_cofw(root, tmp_path / 'out')
    (root / FILES['test']).unlink()
    with pytest.raises(ReleaseFormatError, match='COFW_test_color.mat: file not found'):
        convert_cofw(root, tmp_path / 'out')


def test_command_line_tool(release, tmp_path, capsys):
    root, _ = release
    tool = runpy.run_path(str(CLI))
    assert tool['main']([str(root), str(tmp_path / 'out')]) == 0
    assert 'cofw_test.json' in capsys.readouterr().out
    assert tool['main']([str(tmp_path), str(tmp_path / 'out2')]) == 1
    assert 'COFW_train_color.mat: file not found' in capsys.readouterr().err


def snapshot(folder):
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob('*')) if path.is_file()}


def test_a_failed_conversion_leaves_an_earlier_one_intact(release, tmp_path):
    """A broken release converted into the OUT of a good one: the good one's files stay as they were."""
    root, samples = release
    out = tmp_path / 'out'
    convert_cofw(root, out)
    before = snapshot(out)
    images, phis, boxes = samples['test']
    write_v5(root / FILES['test'], 'test', [images[0], np.zeros((0, 0, 3), np.uint8)], phis, boxes)
    with pytest.raises(ReleaseFormatError, match=r'COFW_test_color\.mat: face 2: image of shape \(0, 0, 3\)'):
        convert_cofw(root, out)
    assert snapshot(out) == before
    assert sorted(path.name for path in out.iterdir()) == ['annotations', 'images']


def truncated_hdf5(path):
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def hdf5_cell_of_numbers(path):
    with h5py.File(path, 'w', userblock_size=512) as mat:
        mat.create_dataset('IsTr', data=np.zeros((1, 3)))
        mat.create_dataset('phisTr', data=np.zeros((87, 3)))
        mat.create_dataset('bboxesTr', data=np.zeros((4, 3)))


def v5_text_landmarks(path):
    cell = np.empty((1, 1), dtype=object)
    cell[0, 0] = np.zeros((4, 4, 3), np.uint8)
    scipy.io.savemat(str(path), {'IsTr': cell, 'phisTr': np.array([['x'] * 87]), 'bboxesTr': np.zeros((1, 4))})


def garbage(path):
    path.write_bytes(b'MATLAB 5.0 MAT-file' + b'\xff' * 200)


@pytest.mark.parametrize('damage, reason', [
    (truncated_hdf5, 'cannot read as a MATLAB v7.3 (HDF5) file'),
    (hdf5_cell_of_numbers, 'IsTr holds float64 values, expected a cell of images'),
    (v5_text_landmarks, 'phisTr and bboxesTr must be numeric matrices'),
    (garbage, 'cannot read as a MATLAB file'),
])
def test_a_damaged_mat_file_ends_in_one_error_line(release, tmp_path, capsys, damage, reason):
    root, _ = release
    damage(root / FILES['train'])
    tool = runpy.run_path(str(CLI))
    assert tool['main']([str(root), str(tmp_path / 'out')]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f'error: {root / FILES["train"]}: ') and reason in error
    assert len(error.strip().splitlines()) == 1
    assert not (tmp_path / 'out').exists()
