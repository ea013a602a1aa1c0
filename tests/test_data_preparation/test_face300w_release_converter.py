"""Tests of the 300W release (.pts files in iBUG's folders) -> mmpose COCO-style JSON conversion.

The sample release is written here from iBUG's description of the format:
a ``.pts`` file is ``version: 1``, ``n_points: 68``, ``{``, 68 ``x y`` lines, ``}``.
"""
import json
import runpy
from pathlib import Path

import cv2
import numpy as np
import pytest

from mmpose_face.data_preparation.face300w_release_converter import (
    OUTPUT_FILES, SUBSET_FOLDERS, annotation_file, convert_300w, parse_pts)
from mmpose_face.errors import ReleaseFormatError

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = REPO_ROOT / 'tools/dataset_converters/300w2coco.py'


def pts_text(points):
    body = '\n'.join(f'{x:.3f} {y:.3f}' for x, y in points)
    return f'version: 1\nn_points:  68\n{{\n{body}\n}}\n'


def face_points(seed):
    """68 distinct points in a 40-120 px box."""
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(40, 120, (68, 2)), 3)


def write_release(root):
    """One face per folder (two in ibug); returns {relative image path: (68, 2) points}."""
    faces = {}
    seed = 0
    for folders in SUBSET_FOLDERS.values():
        for folder in folders:
            names = ('image_001', 'image_002') if folder == 'ibug' else ('image_001',)
            for name in names:
                suffix = '.png' if folder.startswith('lfpw') else '.jpg'
                directory = root / folder
                directory.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(directory / f'{name}{suffix}'), np.zeros((150, 160 + seed, 3), np.uint8))
                points = face_points(seed)
                (directory / f'{name}.pts').write_text(pts_text(points))
                faces[f'{folder}/{name}{suffix}'] = points
                seed += 1
    return faces


def keypoints_of(annotation):
    return np.array(annotation['keypoints']).reshape(-1, 3)


def test_converts_every_subset_into_mmpose_files(tmp_path):
    faces = write_release(tmp_path / '300w')
    written = convert_300w(tmp_path / '300w', tmp_path / 'out')
    assert set(written) == set(OUTPUT_FILES)
    assert (tmp_path / 'out/images').resolve() == (tmp_path / '300w').resolve()
    expected_files = {'train': 3, 'valid': 4, 'valid_common': 2, 'valid_challenge': 2, 'test': 2}
    subsets = {'train': set(), 'valid': {'common', 'challenging'}, 'valid_common': {'common'},
               'valid_challenge': {'challenging'}, 'test': {'private'}}
    for name, count in expected_files.items():
        path = annotation_file(tmp_path / 'out/annotations', name)
        assert written[name] == path
        document = json.loads(path.read_text())
        assert len(document['annotations']) == count
        assert {a.get('subset') for a in document['annotations']} - {None} == subsets[name]
        assert ('subset' in document['annotations'][0]) == (name != 'train')
        file_names = {image['id']: image['file_name'] for image in document['images']}
        for annotation in document['annotations']:
            file_name = file_names[annotation['image_id']]
            keypoints = keypoints_of(annotation)
            np.testing.assert_allclose(keypoints[:, :2], faces[file_name], atol=1e-9)   # as written
            assert set(keypoints[:, 2]) == {2}
            assert (tmp_path / 'out/images' / file_name).is_file()
            # mmpose's crop fields from the landmark box rounded outwards.
            low, high = np.floor(faces[file_name].min(0)), np.ceil(faces[file_name].max(0))
            np.testing.assert_allclose(annotation['center'], (low + high) / 2)
            assert annotation['scale'] == pytest.approx((high - low).max() / 200)
    image = json.loads(written['valid_challenge'].read_text())['images'][0]
    assert (image['width'], image['height']) == (160 + 5, 150)   # ibug's first face is the 6th written


def test_pts_parser_reads_the_published_layout_and_names_bad_lines():
    points = face_points(1)
    np.testing.assert_allclose(parse_pts(pts_text(points)), points)
    lines = pts_text(points).splitlines()
    cases = [
        (['n_points: 68'] + lines[1:], ':1:', 'version'),
        ([lines[0], 'n_points:  98'] + lines[2:], ':2:', "n_points is '98'"),
        (lines[:2] + ['['] + lines[3:], ':3:', "expected '{'"),
        (lines[:10] + ['12.5 oops'] + lines[11:], ':11:', 'point 7'),
        (lines[:10] + ['12.5'] + lines[11:], ':11:', 'two finite numbers'),
        (lines[:-2] + lines[-1:], ':71:', '68 point lines'),
    ]
    for case_lines, where, reason in cases:
        with pytest.raises(ReleaseFormatError, match=reason) as error:
            parse_pts('\n'.join(case_lines) + '\n', 'helen/testset/x.pts')
        assert str(error.value).startswith('helen/testset/x.pts' + where)


def test_bad_release_stops_before_writing(tmp_path):
    write_release(tmp_path / '300w')
    bad = tmp_path / '300w/ibug/image_002.pts'
    bad.write_text(bad.read_text().replace('n_points:  68', 'n_points:  67'))
    with pytest.raises(ReleaseFormatError, match=r'ibug/image_002\.pts:2: n_points'):
        convert_300w(tmp_path / '300w', tmp_path / 'out')
    assert not (tmp_path / 'out').exists()

    bad.write_text(pts_text(face_points(0)))
    (tmp_path / '300w/ibug/image_002.jpg').unlink()
    with pytest.raises(ReleaseFormatError, match=r'image_002\.pts: no image beside it'):
        convert_300w(tmp_path / '300w', tmp_path / 'out')

    cv2.imwrite(str(tmp_path / '300w/ibug/image_002.jpg'), np.zeros((8, 8, 3), np.uint8))
    (tmp_path / '300w/300W/02_Outdoor/image_001.pts').unlink()
    with pytest.raises(ReleaseFormatError, match=r'02_Outdoor: no \.pts files'):
        convert_300w(tmp_path / '300w', tmp_path / 'out')


def test_command_line_tool(tmp_path, capsys):
    write_release(tmp_path / '300w')
    tool = runpy.run_path(str(CLI))
    assert tool['main']([str(tmp_path / '300w'), str(tmp_path / 'out')]) == 0
    assert 'valid_challenge: ' in capsys.readouterr().out
    assert tool['main']([str(tmp_path / 'missing'), str(tmp_path / 'out2')]) == 1
    error = capsys.readouterr().err
    assert error.startswith('error: ') and 'missing/afw' in error


def test_ids_are_unique_across_the_files_and_one_face_keeps_its_id(tmp_path):
    """A combined evaluation of valid and test sees every face: no id of one file is reused by another."""
    write_release(tmp_path / '300w')
    written = convert_300w(tmp_path / '300w', tmp_path / 'out')
    documents = {name: json.loads(path.read_text()) for name, path in written.items()}
    faces = {}   # annotation id -> (image file name, landmarks)
    for document in documents.values():
        file_names = {image['id']: image['file_name'] for image in document['images']}
        for annotation in document['annotations']:
            face = (file_names[annotation['image_id']], annotation['keypoints'])
            assert faces.setdefault(annotation['id'], face) == face   # one id, one face, in every file
    for first, second in (('train', 'valid'), ('valid', 'test'), ('train', 'test')):
        assert not ({a['id'] for a in documents[first]['annotations']}
                    & {a['id'] for a in documents[second]['annotations']})
    assert len(faces) == sum(len(documents[name]['annotations']) for name in ('train', 'valid', 'test'))


def test_a_huge_image_header_ends_in_one_error_line(tmp_path, capsys):
    from tests.image_headers import write_png_header
    write_release(tmp_path / '300w')
    image = tmp_path / '300w/ibug/image_002.jpg'
    write_png_header(image, 40000, 40000)
    tool = runpy.run_path(str(CLI))
    assert tool['main']([str(tmp_path / '300w'), str(tmp_path / 'out')]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f'error: {tmp_path}/300w/ibug/image_002.pts: {image}: Image size (1600000000 pixels)')
    assert not (tmp_path / 'out').exists()
