"""AFLWDataset: evaluation needs each face's box size, NME is normalised by it and reported for frontal
faces."""
import json

import numpy as np
import pytest

from mmpose_face.errors import FaceAnnotationError

from face_layouts import write_benchmark_files
from face_benchmark_samples import build, evaluate, face_sample


def test_aflw_needs_box_size_for_evaluation(tmp_path):
    ann_file = write_benchmark_files(str(tmp_path), 'aflw', num_images=1, faces_per_image=1)
    coco = json.loads(open(ann_file).read())
    del coco['annotations'][0]['box_size']
    open(ann_file, 'w').write(json.dumps(coco))
    assert len(build('aflw', ann_file, test_mode=False)) == 1  # training does not need it
    with pytest.raises(FaceAnnotationError, match=r"annotation id 1000: no 'box_size'"):
        build('aflw', ann_file)


def test_aflw_nme_is_normalised_by_the_face_box_and_reports_frontal_faces():
    gt = np.random.default_rng(2).uniform(50, 150, (19, 2))
    samples = [face_sample(gt, [3., 4.], {'frontal': 1}, bbox=[10, 20, 110, 70]),     # box side 100
               face_sample(gt, [6., 8.], {'frontal': 0}, bbox=[0, 0, 40, 50])]        # box side 50
    metrics = evaluate('aflw', samples, norm_mode='use_norm_item', norm_item='bbox_size')
    assert metrics['NME'] == pytest.approx((5 / 100 + 10 / 50) / 2, rel=1e-5)
    assert metrics['NME_frontal'] == pytest.approx(5 / 100, rel=1e-5)
    with pytest.raises(KeyError, match='nme_keypoint_indices'):  # AFLW names no points: mmpose's KeyError
        evaluate('aflw', samples)
