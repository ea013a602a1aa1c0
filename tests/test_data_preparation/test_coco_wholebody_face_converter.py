"""Tests of the COCO-WholeBody face check (its JSON is read by mmpose as it is)."""
import copy
import json
import runpy
from pathlib import Path

import pytest

from mmpose_face.data_preparation.coco_wholebody_face_converter import (annotation_file, check_face_annotations,
                                                                        convert_coco_wholebody_face)
from mmpose_face.errors import ReleaseFormatError

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI = REPO_ROOT / 'tools/dataset_converters/coco_wholebody_face_check.py'


def document():
    """Two people on one image: one with a labelled face, one without (face_valid false, zeros)."""
    face_kpts = [v for k in range(68) for v in (10.0 + k, 20.0 + k / 2, 2)]
    return {
        'images': [{'id': 7, 'file_name': '000000000007.jpg', 'width': 640, 'height': 480}],
        'annotations': [
            {'id': 1, 'image_id': 7, 'face_box': [5.0, 15.0, 80.0, 60.0], 'face_kpts': face_kpts,
             'face_valid': True, 'keypoints': [0] * 51, 'bbox': [0, 0, 100, 200]},
            {'id': 2, 'image_id': 7, 'face_box': [0.0, 0.0, 0.0, 0.0], 'face_kpts': [0.0] * 204,
             'face_valid': False, 'keypoints': [0] * 51, 'bbox': [300, 0, 100, 200]},
        ],
        'categories': [{'id': 1, 'name': 'person'}],
    }


def write_release(root, documents=None):
    for split in ('train', 'val'):
        (root / f'{split}2017').mkdir(parents=True, exist_ok=True)
        path = annotation_file(root / 'annotations', split)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps((documents or {}).get(split, document())))


def test_counts_faces_mmpose_keeps_and_copies_files_unchanged(tmp_path):
    write_release(tmp_path / 'coco')
    counts = convert_coco_wholebody_face(tmp_path / 'coco', tmp_path / 'out')
    for split in ('train', 'val'):
        assert counts[split]['images'] == 1 and counts[split]['annotations'] == 2
        assert counts[split]['valid_faces'] == 1     # mmpose drops face_valid=False / all-zero faces
        source = annotation_file(tmp_path / 'coco/annotations', split)
        assert counts[split]['file'].read_bytes() == source.read_bytes()
        assert (tmp_path / 'out' / f'{split}2017').resolve() == (tmp_path / 'coco' / f'{split}2017').resolve()


@pytest.mark.parametrize('change, message', [
    (lambda d: d['annotations'][1]['face_kpts'].pop(), r'annotation id 2: "face_kpts" must be 204 finite numbers'),
    (lambda d: d['annotations'][0].update(face_kpts=[float('nan')] * 204), 'annotation id 1: "face_kpts"'),
    (lambda d: d['annotations'][0].update(face_box=[1, 2, -3, 4]), r'annotation id 1: "face_box" must be'),
    (lambda d: d['annotations'][0].update(face_valid=1), r'annotation id 1: "face_valid" must be true or false'),
    (lambda d: d['annotations'][1].update(image_id=8), r'annotation id 2: image_id 8 is not in "images"'),
    (lambda d: d['annotations'][1].update(id=1), r'annotation id 1: missing or repeated id'),
    (lambda d: d['images'][0].pop('width'), r'image id 7: needs'),
])
def test_bad_annotations_name_the_file_and_id(change, message):
    bad = copy.deepcopy(document())
    change(bad)
    with pytest.raises(ReleaseFormatError, match=message) as error:
        check_face_annotations(bad, 'coco_wholebody_val_v1.0.json')
    assert str(error.value).startswith('coco_wholebody_val_v1.0.json: ')


def test_bad_json_names_the_line_and_nothing_is_copied(tmp_path):
    write_release(tmp_path / 'coco')
    annotation_file(tmp_path / 'coco/annotations', 'val').write_text('{"images": [\n  {"id": 1,}\n]}')
    with pytest.raises(ReleaseFormatError, match=r'coco_wholebody_val_v1\.0\.json:2: invalid JSON'):
        convert_coco_wholebody_face(tmp_path / 'coco', tmp_path / 'out')
    assert not (tmp_path / 'out').exists()


def test_command_line_tool(tmp_path, capsys):
    write_release(tmp_path / 'coco')
    tool = runpy.run_path(str(CLI))
    assert tool['main']([str(tmp_path / 'coco'), str(tmp_path / 'out')]) == 0
    assert '1 valid faces' in capsys.readouterr().out
    bad = document()
    bad['annotations'][0]['face_box'] = None
    write_release(tmp_path / 'coco', {'train': bad})
    assert tool['main']([str(tmp_path / 'coco'), str(tmp_path / 'out')]) == 1
    assert 'coco_wholebody_train_v1.0.json: annotation id 1: "face_box"' in capsys.readouterr().err
