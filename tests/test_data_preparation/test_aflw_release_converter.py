"""Tests of the AFLW-19 release (AFLWinfo_release.mat + data/flickr images) conversion.

The sample is written here from the published description of
AFLWinfo_release.mat: ``bbox`` (N, 4) left, right, top, bottom; ``data``
(N, 38) x1..x19 then y1..y19; ``mask_new`` (N, 19) visibility; ``nameList``
(N, 1) image paths under data/flickr/; ``ra`` a 1-based permutation whose
first entries are the train faces.
"""
import json
import math
import runpy
from pathlib import Path

import cv2
import numpy as np
import pytest
import scipy.io

from mmpose_face.data_preparation.aflw_release_converter import annotation_file, convert_aflw
from mmpose_face.errors import ReleaseFormatError

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = REPO_ROOT / 'tools/dataset_converters/aflw2coco.py'
NAMES = ['0/image00002.jpg', '2/image00004.jpg', '0/image00002.jpg', '3/image00010.jpg', '2/image00011.jpg']


def write_release(root, ra=(3, 5, 1, 2, 4), **replace):
    rng = np.random.default_rng(0)
    count = len(NAMES)
    boxes = np.array([[10, 70, 20, 100], [5, 55, 5, 45], [80, 120, 30, 90], [0, 64, 0, 64], [1, 31, 2, 22]],
                     dtype=float)
    data = rng.uniform(10, 60, (count, 38))
    mask = np.ones((count, 19))
    mask[1, 4] = 0      # face 2 (test) not frontal
    mask[2, 0] = 0      # face 3 (train) not frontal
    names = np.empty((count, 1), dtype=object)
    for index, name in enumerate(NAMES):
        names[index, 0] = name
        image_file = root / 'data/flickr' / name
        image_file.parent.mkdir(parents=True, exist_ok=True)
        if not image_file.exists():
            cv2.imwrite(str(image_file), np.zeros((130, 140 + index, 3), np.uint8))
    fields = dict(bbox=boxes, data=data, mask_new=mask, nameList=names, ra=np.array([ra], dtype=float))
    fields.update(replace)
    scipy.io.savemat(str(root / 'AFLWinfo_release.mat'), fields)
    return fields


def test_splits_by_ra_with_box_size_and_frontal_flags(tmp_path):
    fields = write_release(tmp_path / 'aflw')
    written = convert_aflw(tmp_path / 'aflw', tmp_path / 'out', num_train=3)
    assert written == {name: annotation_file(tmp_path / 'out/annotations', name)
                       for name in ('train', 'test', 'test_frontal')}
    assert (tmp_path / 'out/images').resolve() == (tmp_path / 'aflw/data/flickr').resolve()
    documents = {name: json.loads(path.read_text()) for name, path in written.items()}
    rows = {'train': [2, 4, 0], 'test': [1, 3], 'test_frontal': [3]}   # ra - 1, split after 3
    for name, expected_rows in rows.items():
        annotations, images = documents[name]['annotations'], documents[name]['images']
        file_names = {image['id']: image['file_name'] for image in images}
        assert len(annotations) == len(expected_rows)
        for annotation, row in zip(annotations, expected_rows):
            assert file_names[annotation['image_id']] == NAMES[row]
            keypoints = np.array(annotation['keypoints']).reshape(19, 3)
            np.testing.assert_allclose(keypoints[:, 0], fields['data'][row, :19])
            np.testing.assert_allclose(keypoints[:, 1], fields['data'][row, 19:])
            np.testing.assert_array_equal(keypoints[:, 2], np.where(fields['mask_new'][row] == 1, 2, 1))
            left, right, top, bottom = fields['bbox'][row]
            assert annotation['bbox'] == [left, top, right - left, bottom - top]
            assert annotation['box_size'] == pytest.approx(math.sqrt((right - left) * (bottom - top)))
            assert annotation['center'] == [(left + right) / 2, (top + bottom) / 2]
            assert annotation['scale'] == pytest.approx(max(right - left, bottom - top) / 200)
            assert annotation['frontal'] is bool(np.all(fields['mask_new'][row] == 1))
    # Faces 3 and 1 share an image: one image record in the train file.
    assert len(documents['train']['images']) == 2
    assert documents['train']['images'][0]['width'] == 140   # the shared image, written for face 1


def test_bad_release_names_the_file_and_face(tmp_path):
    root = tmp_path / 'aflw'
    write_release(root, ra=(1, 2, 2, 4, 5))
    with pytest.raises(ReleaseFormatError, match=r'AFLWinfo_release\.mat: ra must be a permutation of 1\.\.5'):
        convert_aflw(root, tmp_path / 'out', num_train=3)
    boxes = np.array([[10, 70, 20, 100], [5, 55, 5, 45], [80, 80, 30, 90], [0, 64, 0, 64], [1, 31, 2, 22]], float)
    write_release(root, bbox=boxes)
    with pytest.raises(ReleaseFormatError, match=r'face 3: box .* is empty'):
        convert_aflw(root, tmp_path / 'out', num_train=3)
    write_release(root, mask_new=np.ones((5, 18)))
    with pytest.raises(ReleaseFormatError, match=r'mask_new has shape \(5, 18\), expected \(5, 19\)'):
        convert_aflw(root, tmp_path / 'out', num_train=3)
    write_release(root)
    with pytest.raises(ReleaseFormatError, match='num_train=5 leaves no train or no test face'):
        convert_aflw(root, tmp_path / 'out', num_train=5)
    (root / 'data/flickr' / NAMES[3]).unlink()
    with pytest.raises(ReleaseFormatError, match=r'AFLWinfo_release\.mat: image not found: .*image00010\.jpg'):
        convert_aflw(root, tmp_path / 'out', num_train=3)
    assert not (tmp_path / 'out').exists()


def test_command_line_tool(tmp_path, capsys):
    write_release(tmp_path / 'aflw')
    tool = runpy.run_path(str(CLI))
    assert tool['main']([str(tmp_path / 'aflw'), str(tmp_path / 'out'), '--num-train', '3']) == 0
    assert 'test_frontal: ' in capsys.readouterr().out
    assert tool['main']([str(tmp_path / 'aflw'), str(tmp_path / 'out')]) == 1   # the published 20,000 > 5 faces
    assert 'num_train=20000' in capsys.readouterr().err


def test_ids_are_unique_across_train_and_test(tmp_path):
    write_release(tmp_path / 'aflw')
    written = convert_aflw(tmp_path / 'aflw', tmp_path / 'out', num_train=3)
    documents = {name: json.loads(path.read_text()) for name, path in written.items()}
    train_ids = {a['id'] for a in documents['train']['annotations']}
    test_ids = [a['id'] for a in documents['test']['annotations']]
    assert len(train_ids) == 3 and len(set(test_ids)) == 2 and not train_ids & set(test_ids)
    assert {a['id'] for a in documents['test_frontal']['annotations']} <= set(test_ids)
    names = {}   # image '0/image00002.jpg' holds a train and a test face: one image id in both files
    for document in documents.values():
        for image in document['images']:
            assert names.setdefault(image['id'], image['file_name']) == image['file_name']
