"""The building blocks of mmpose's COCO-style face files, against numbers worked out by hand: the crop
fields from landmarks, COCO's visibility triplets, one id per face and per image, subsets, and errors
that name the file (and line)."""
import json

import pytest

from mmpose_face.data_preparation.coco_face_annotations import (
    coco_document, crop_from_landmarks, image_records, keypoint_triplets, landmark_box, load_json, number_faces,
    read_image_size, subset_document, write_json_atomic)
from mmpose_face.errors import ReleaseFormatError

from tests.image_headers import write_png_header

LANDMARKS = [(10.5, 20.0), (50.25, 30.0), (30.0, 79.5)]  # x 10.5..50.25, y 20..79.5


def test_crop_fields_are_mmposes_rounded_box_and_enlarged_bbox():
    crop = crop_from_landmarks(LANDMARKS)
    assert crop['center'] == [(10 + 51) / 2, (20 + 80) / 2]  # the box rounded outwards to whole pixels
    assert crop['scale'] == pytest.approx(60 / 200)  # its longer side in units of 200 px
    left, top, width, height = crop['bbox']
    assert (width, height) == pytest.approx((39.75 * 1.2, 59.5 * 1.2))  # the exact box, 1.2x about its centre
    assert (left + width / 2, top + height / 2) == pytest.approx((30.375, 49.75))
    assert crop['area'] == pytest.approx(width * height)
    assert landmark_box(LANDMARKS) == [10.5, 20.0, 39.75, 59.5]


def test_keypoint_triplets_mark_occluded_points_1_and_visible_2():
    assert keypoint_triplets(LANDMARKS[:2]) == [10.5, 20.0, 2, 50.25, 30.0, 2]
    assert keypoint_triplets(LANDMARKS[:2], [True, False]) == [10.5, 20.0, 2, 50.25, 30.0, 1]


def test_faces_are_numbered_once_with_one_image_id_per_file():
    faces = number_faces([dict(file_name=name, width=64, height=48) for name in ('a.jpg', 'b.jpg', 'a.jpg')])
    assert [(face['id'], face['image_id']) for face in faces] == [(0, 0), (1, 1), (2, 0)]
    assert image_records(faces) == [dict(id=0, file_name='a.jpg', height=48, width=64),
                                    dict(id=1, file_name='b.jpg', height=48, width=64)]
    document = coco_document(image_records(faces), [dict(id=face['id'], image_id=face['image_id']) for face in faces])
    assert document['categories'][0]['name'] == 'face'
    only_b = subset_document(document, lambda annotation: annotation['id'] == 1)
    assert only_b['images'] == [document['images'][1]] and only_b['annotations'] == [dict(id=1, image_id=1)]


def test_image_sizes_come_from_the_header_and_a_missing_image_is_named(tmp_path):
    write_png_header(tmp_path / 'face.png', 640, 480)
    assert read_image_size(tmp_path / 'face.png', 'list.txt', 3) == (640, 480)
    with pytest.raises(ReleaseFormatError, match=r'^list\.txt:7: image not found: .*gone\.png'):
        read_image_size(tmp_path / 'gone.png', 'list.txt', 7)
    (tmp_path / 'broken.png').write_bytes(b'no image')
    with pytest.raises(ReleaseFormatError, match=r'list\.txt: cannot read image header of .*broken\.png'):
        read_image_size(tmp_path / 'broken.png', 'list.txt')


def test_json_is_written_whole_and_bad_json_is_named_with_its_line(tmp_path):
    write_json_atomic({'images': []}, tmp_path / 'out.json')
    assert load_json(tmp_path / 'out.json') == {'images': []}
    (tmp_path / 'bad.json').write_text('{\n  "images": [,\n}')
    with pytest.raises(ReleaseFormatError, match=r'bad\.json:2: invalid JSON'):
        load_json(tmp_path / 'bad.json')
    with pytest.raises(ReleaseFormatError, match=r'missing\.json: file not found'):
        load_json(tmp_path / 'missing.json')
    assert json.loads((tmp_path / 'out.json').read_text()) == {'images': []}
