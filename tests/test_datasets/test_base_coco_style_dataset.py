"""BaseCocoStyleDataset: boxes clipped to the image as in mmpose, a new data set from a description and
a file alone, detected boxes from a bbox file."""
import json

import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmpose_face.datasets import BaseCocoStyleDataset
from mmpose_face.datasets.dataset_info import parse_dataset_info
from mmpose_face.registry import METRICS

from face_layouts import write_benchmark_files
from face_benchmark_samples import build, face_sample, written


def test_boxes_are_clipped_to_the_image_as_in_mmpose(tmp_path):
    ann_file = write_benchmark_files(str(tmp_path), 'cofw', num_images=1, faces_per_image=1)
    coco = json.loads(open(ann_file).read())
    coco['annotations'][0]['bbox'] = [-5., 10., 100., 20.]  # the 64 x 48 image: x from -5 to 95
    open(ann_file, 'w').write(json.dumps(coco))
    np.testing.assert_array_equal(build('cofw', ann_file).get_data_info(0)['bbox'], [[0, 10, 63, 30]])


def test_a_new_face_data_set_is_a_description_and_a_file(tmp_path):
    """No shared code knows it: points, NME normalisation and subsets come from its description."""
    description = dict(
        dataset_name='five_points',
        keypoint_info={i: dict(name=f'p{i}', id=i, color=[255, 0, 0], type='', swap=swap)
                       for i, swap in enumerate(['p1', 'p0', '', 'p4', 'p3'])},
        skeleton_info={}, joint_weights=[1.] * 5, sigmas=[],
        nme_keypoint_indices=(0, 1), subsets=dict(hard='Hard'))
    folder = tmp_path / 'five'
    ann_file = write_benchmark_files(str(folder), 'cofw')
    coco = json.loads(open(ann_file).read())
    for index, ann in enumerate(coco['annotations']):
        ann['keypoints'] = ann['keypoints'][:15]
        ann['attributes'] = [index % 2]  # a list of the flags in the description's order
    open(ann_file, 'w').write(json.dumps(coco))
    init_default_scope('mmpose_face')
    dataset = BaseCocoStyleDataset(ann_file=ann_file, metainfo=description, data_prefix=dict(img=''),
                                   test_mode=True)
    assert len(dataset) == 6 and dataset.metainfo['flip_indices'] == [1, 0, 2, 4, 3]
    assert [dataset.get_data_info(i)['attributes'] for i in range(2)] == [{'hard': 0}, {'hard': 1}]
    metric = METRICS.build(dict(type='NME', norm_mode='keypoint_distance'))
    metric.dataset_meta = dataset.metainfo
    gt = np.random.default_rng(5).uniform(50, 150, (5, 2))
    metric.process({}, [face_sample(gt, [3., 4.], {'hard': 1}), face_sample(gt, [6., 8.], {'hard': 0})])
    metrics = metric.evaluate(2)
    distance = np.linalg.norm(gt[0] - gt[1])
    assert metrics['NME_hard'] == pytest.approx(5 / distance, rel=1e-5)
    assert metrics['NME'] == pytest.approx(7.5 / distance, rel=1e-5)
    assert parse_dataset_info(description)['subsets'] == {'hard': 'Hard'}


def test_detected_boxes_from_bbox_file_replace_the_annotated_ones(written, tmp_path):
    bbox_file = tmp_path / 'detections.json'
    bbox_file.write_text(json.dumps([
        dict(image_id=100, bbox=[5., 6., 20., 22.], score=0.9, category_id=1),
        dict(image_id=101, bbox=[1., 2., 3., 4.], score=0.5, category_id=2),  # not a face: left out
        dict(image_id=102, bbox=[10., 10., 30., 30.], score=0.7, category_id=1)]))
    dataset = build('300w', written['300w'], bbox_file=str(bbox_file))
    assert len(dataset) == 2
    item = dataset.get_data_info(1)
    np.testing.assert_array_equal(item['bbox'], [[10., 10., 40., 40.]])
    assert item['bbox_score'] == pytest.approx([0.7]) and item['id'] == 1 and item['img_id'] == 102
    assert item['keypoints'].shape == (1, 68, 2) and (item['keypoints_visible'] == 1).all()
    confident = build('300w', written['300w'], bbox_file=str(bbox_file), filter_cfg=dict(bbox_score_thr=0.8))
    assert len(confident) == 1 and confident.get_data_info(0)['img_id'] == 100
    with pytest.raises(ValueError, match='test_mode'):
        build('300w', written['300w'], bbox_file=str(bbox_file), test_mode=False)
