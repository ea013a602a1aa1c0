"""What the face-benchmark tests share: each benchmark's description, its data set built from a
written layout, predicted faces and their NME."""
import json
import os.path as osp

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.registry import DATASETS, METRICS
from mmpose_face.structures import PoseDataSample

from face_layouts import BENCHMARKS, write_benchmark_files

DESCRIPTIONS = {name: f'configs/_base_/datasets/{name}.py' for name in BENCHMARKS}
PUBLISHED_NME_POINTS = {'wflw': (60, 72), '300w': (36, 45), '300wlp': (36, 45), 'cofw': (8, 9),
                        'coco_wholebody_face': (36, 45), 'lapa': (66, 79)}


def build(name, ann_file, **kwargs):
    init_default_scope('mmpose_face')
    kwargs.setdefault('test_mode', True)
    return DATASETS.build(dict(type=BENCHMARKS[name][0], ann_file=ann_file, data_root=osp.dirname(ann_file),
                               data_prefix=dict(img='images/'), pipeline=[], **kwargs))


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp('layouts')
    return {name: write_benchmark_files(str(folder / name), name) for name in BENCHMARKS}


def face_sample(gt, offset, attributes=None, bbox=None):
    """A sample as mmpose's model gives it to the metric: no id, no input_center."""
    sample = PoseDataSample(metainfo=dict(attributes=attributes) if attributes else {})
    sample.gt_instances = InstanceData(keypoints=gt[None].astype(np.float32),
                                       keypoints_visible=np.ones((1, len(gt), 1), np.float32),
                                       bboxes=np.asarray([bbox if bbox is not None else [0, 0, 1, 1]], np.float32))
    sample.pred_instances = InstanceData(keypoints=(gt + offset)[None].astype(np.float32))
    return sample.to_dict()


def evaluate(name, samples, **kwargs):
    kwargs.setdefault('norm_mode', 'keypoint_distance')
    metric = METRICS.build(dict(type='NME', **kwargs))
    metric.dataset_meta = load_dataset_info(DESCRIPTIONS[name])
    metric.process({}, samples)
    return metric.evaluate(len(samples))


def read_generated_layout(name, folder, box_key='bbox'):
    """Build benchmark ``name`` from a generated file of its layout in ``folder``; check what every
    mmpose base-layout data set gives (keypoints (1, K, 2) and (1, K), the xywh box as xyxy, the
    description's name) and return the data set and the file's annotations with a face."""
    ann_file = write_benchmark_files(str(folder), name)
    dataset = build(name, ann_file)
    with open(ann_file) as f:
        annotations = [ann for ann in json.load(f)['annotations'] if ann.get('face_valid', True)]
    num_keypoints = BENCHMARKS[name][1]
    assert len(dataset) == len(annotations) and dataset.metainfo['dataset_name'] == name
    for index, ann in enumerate(annotations):
        item = dataset.get_data_info(index)
        assert item['id'] == ann['id'] and item['keypoints'].shape == (1, num_keypoints, 2)
        assert item['keypoints_visible'].shape == (1, num_keypoints)
        x, y, w, h = ann[box_key]
        np.testing.assert_allclose(item['bbox'], [[x, y, x + w, y + h]], rtol=1e-5)
    return dataset, annotations
