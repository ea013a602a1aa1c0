"""Tests of the LaPa release (106-point landmark text files) conversion.

The sample is written here from LaPa's description: ``<split>/images/NAME.jpg``
with ``<split>/landmarks/NAME.txt`` holding the point count (106) on the first
line, then one ``x y`` line per point.
"""
import json
import runpy
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmpose_face.data_preparation.lapa_release_converter import (annotation_file, convert_lapa,
                                                                 parse_landmark_file)
from mmpose_face.errors import ReleaseFormatError

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = REPO_ROOT / 'tools/dataset_converters/lapa2coco.py'
COUNTS = {'train': 3, 'val': 2, 'test': 1}


def landmark_text(points):
    return '106\n' + ''.join(f'{x} {y}\n' for x, y in points)


def write_release(root):
    """Returns {file_name: (106, 2) points}."""
    rng = np.random.default_rng(0)
    faces = {}
    for split, count in COUNTS.items():
        for index in range(count):
            name = f'{split}_{index:03d}'
            points = np.round(rng.uniform(20, 200, (106, 2)), 4)
            for folder in ('images', 'landmarks'):
                (root / split / folder).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(root / split / 'images' / f'{name}.jpg'), np.zeros((220, 210, 3), np.uint8))
            (root / split / 'landmarks' / f'{name}.txt').write_text(landmark_text(points))
            faces[f'{split}/images/{name}.jpg'] = points
    return faces


def test_converts_each_split_and_trainval(tmp_path):
    faces = write_release(tmp_path / 'LaPa')
    written = convert_lapa(tmp_path / 'LaPa', tmp_path / 'out')
    assert set(written) == {'train', 'val', 'test', 'trainval'}
    for name, count in dict(COUNTS, trainval=5).items():
        assert written[name] == annotation_file(tmp_path / 'out/annotations', name)
        document = json.loads(written[name].read_text())
        assert len(document['annotations']) == count
        file_names = {image['id']: image['file_name'] for image in document['images']}
        for annotation in document['annotations']:
            file_name = file_names[annotation['image_id']]
            assert file_name.split('/')[0] in (('train', 'val') if name == 'trainval' else (name,))
            assert (tmp_path / 'out' / file_name).is_file()          # data_prefix='' under data_root
            keypoints = np.array(annotation['keypoints']).reshape(106, 3)
            np.testing.assert_allclose(keypoints[:, :2], faces[file_name])
            assert set(keypoints[:, 2]) == {2}
            low, high = faces[file_name].min(0), faces[file_name].max(0)
            np.testing.assert_allclose(annotation['bbox'], [*low, *(high - low)])   # tight landmark box
    # Converting in place writes annotations/ only, no links.
    convert_lapa(tmp_path / 'LaPa', tmp_path / 'LaPa')
    assert not (tmp_path / 'LaPa/train').is_symlink()
    assert (tmp_path / 'LaPa/annotations/lapa_test.json').is_file()


def test_parser_names_the_file_and_line():
    points = np.arange(212, dtype=float).reshape(106, 2)
    np.testing.assert_array_equal(parse_landmark_file(landmark_text(points)), points)
    lines = landmark_text(points).splitlines()
    cases = [(['98'] + lines[1:], ':1:', 'point count 106'),
             (lines[:5] + ['3.0,4.0'] + lines[6:], ':6:', 'point 4'),
             (lines[:-1], ':106:', 'expected 106 point lines after the count, found 105')]
    for case_lines, where, reason in cases:
        with pytest.raises(ReleaseFormatError, match=reason) as error:
            parse_landmark_file('\n'.join(case_lines) + '\n', 'test/landmarks/x.txt')
        assert str(error.value).startswith('test/landmarks/x.txt' + where)


def test_bad_release_stops_before_writing(tmp_path):
    write_release(tmp_path / 'LaPa')
    (tmp_path / 'LaPa/val/images/val_001.jpg').unlink()
    with pytest.raises(ReleaseFormatError, match=r'val_001\.txt: image not found'):
        convert_lapa(tmp_path / 'LaPa', tmp_path / 'out')
    assert not (tmp_path / 'out').exists()


def test_command_line_tool(tmp_path, capsys):
    write_release(tmp_path / 'LaPa')
    tool = runpy.run_path(str(CLI))
    assert tool['main']([str(tmp_path / 'LaPa'), str(tmp_path / 'out')]) == 0
    assert 'trainval: ' in capsys.readouterr().out
    assert tool['main']([str(tmp_path / 'nothing'), str(tmp_path / 'out2')]) == 1
    assert 'nothing/train/landmarks: folder not found' in capsys.readouterr().err


def test_ids_are_unique_across_the_splits_and_trainval_keeps_them(tmp_path):
    write_release(tmp_path / 'LaPa')
    written = convert_lapa(tmp_path / 'LaPa', tmp_path / 'out')
    ids = {name: [a['id'] for a in json.loads(path.read_text())['annotations']] for name, path in written.items()}
    every = ids['train'] + ids['val'] + ids['test']
    assert len(set(every)) == len(every) == sum(COUNTS.values())
    assert ids['trainval'] == ids['train'] + ids['val']
