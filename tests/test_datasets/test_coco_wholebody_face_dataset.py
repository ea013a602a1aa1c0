"""CocoWholeBodyFaceDataset: the 68 face points and face box of COCO-WholeBody's person annotations;
a person without a valid face is left out and a plain COCO annotation is refused by name, as mmpose."""
import json
from pathlib import Path

import pytest

from mmpose_face.datasets import CocoWholeBodyFaceDataset
from mmpose_face.errors import FaceAnnotationError

from face_benchmark_samples import build, read_generated_layout
from face_layouts import write_benchmark_files


def test_faces_come_from_face_kpts_and_face_box_and_an_invalid_face_is_left_out(tmp_path):
    dataset, annotations = read_generated_layout('coco_wholebody_face', tmp_path, box_key='face_box')
    assert type(dataset) is CocoWholeBodyFaceDataset and len(dataset) == 6  # the seventh person has no face
    assert all(dataset.get_data_info(i)['num_keypoints'] > 0 for i in range(len(dataset)))
    assert dataset.metainfo['nme_keypoint_indices'] == (36, 45)


def test_an_annotation_without_face_fields_is_refused_naming_it(tmp_path):
    ann_file = Path(write_benchmark_files(str(tmp_path), 'coco_wholebody_face'))
    coco = json.loads(ann_file.read_text())
    del coco['annotations'][0]['face_kpts']
    ann_file.write_text(json.dumps(coco))
    with pytest.raises(FaceAnnotationError, match=r"annotation id 1000: no 'face_kpts' \(not a COCO-WholeBody"):
        build('coco_wholebody_face', str(ann_file))
