"""One evaluation over several annotation files counts every face (issue 24, item 2).

The 300W config that tests the validation faces and the private test set in
one run (a ``ConcatDataset`` of two files), on tiny generated files numbered
from the same ids, as today's converters number them: the report must say
``300W evaluation of N faces`` with N the faces of both files, and show the
private column.
"""
import io
import json
import logging
import os
import os.path as osp
import re
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.registry import init_default_scope

from mmpose_face.registry import DATASETS, METRICS
from test_datasets.face_layouts import write_benchmark_files

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs/face_2d_keypoint/topdown_regression/300w/subsets/'
                        'td-reg_res50_8xb64-210e_300w-256x256_test-valid-and-private.py')


def write_300w_release(root: str) -> tuple:
    """``annotations/face_landmarks_300w_{valid,test}.json`` with ids 1000... in both, images apart."""
    valid = write_benchmark_files(osp.join(root, 'valid'), '300w', num_images=3, faces_per_image=2, seed=1)
    test = write_benchmark_files(osp.join(root, 'test'), '300w', num_images=3, faces_per_image=1, seed=2)
    with open(test) as f:
        coco = json.load(f)
    for image in coco['images']:
        shutil.move(osp.join(root, 'test', 'images', image['file_name']),
                    osp.join(root, 'valid', 'images', 'private_' + image['file_name']))
        image['file_name'] = 'private_' + image['file_name']
    for ann in coco['annotations']:
        ann['subset'] = 'private'
    shutil.move(osp.join(root, 'valid', 'images'), osp.join(root, 'images'))
    os.makedirs(osp.join(root, 'annotations'))
    shutil.move(valid, osp.join(root, 'annotations', 'face_landmarks_300w_valid.json'))
    with open(osp.join(root, 'annotations', 'face_landmarks_300w_test.json'), 'w') as f:
        json.dump(coco, f)
    with open(osp.join(root, 'annotations', 'face_landmarks_300w_valid.json')) as f:
        valid_ids = [ann['id'] for ann in json.load(f)['annotations']]
    return valid_ids, [ann['id'] for ann in coco['annotations']]


def test_the_valid_and_private_config_evaluates_every_face_of_both_files(tmp_path):
    init_default_scope('mmpose_face')
    valid_ids, test_ids = write_300w_release(str(tmp_path))
    assert set(test_ids) <= set(valid_ids)  # the ids collide, as today's converters write them
    cfg = Config.fromfile(CONFIG)
    dataset_cfg = cfg.test_dataloader.dataset
    for part in dataset_cfg.datasets:
        part.data_root = str(tmp_path) + '/'
    dataset = DATASETS.build(dataset_cfg)
    assert len(dataset) == len(valid_ids) + len(test_ids) == 9
    metric = METRICS.build(cfg.test_evaluator)
    metric.dataset_meta = dataset.metainfo
    rng = np.random.default_rng(0)
    samples = []
    for index in range(len(dataset)):
        packed = dataset[index]['data_samples']
        sample = packed.to_dict()
        gt = packed.gt_instances.keypoints
        sample['pred_instances'] = dict(keypoints=gt + rng.uniform(-1, 1, gt.shape))
        samples.append(sample)
    logger = MMLogger.get_current_instance()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        metric.process({}, samples)
        metrics = metric.evaluate(len(samples))
    finally:
        logger.removeHandler(handler)
    log = stream.getvalue()
    assert '300W evaluation of 9 faces' in log
    private_row = next(line for line in log.splitlines() if line.startswith('NME (%)'))
    assert '-' not in private_row.split()[1:], private_row  # every column, Private included, has a value
    assert 'NME_private' in metrics and 'NME_full' in metrics
    assert {'FR@0.1', 'AUC@0.1'} <= set(metrics)  # the config's evaluator switches them on
    assert re.search(r'Private\s+test', log)


@pytest.mark.parametrize('with_file', [True, False])
def test_the_dump_tells_faces_of_two_files_apart(tmp_path, with_file):
    """Each dumped face names its annotation file; packed without ``ann_file``, colliding faces are refused."""
    from mmpose_face.structures import PoseDataSample
    from mmengine.structures import InstanceData
    metric = METRICS.build(dict(type='NME', norm_mode='keypoint_distance', dump_file=str(tmp_path / 'dump.json')))
    metric.dataset_meta = dict(dataset_name='300w', keypoint_id2name={k: str(k) for k in range(68)},
                               nme_keypoint_indices=(36, 45))
    samples = []
    for ann_file, seed in (('valid.json', 0), ('test.json', 1)):
        gt = np.random.default_rng(seed).uniform(0, 100, (1, 68, 2))
        meta = dict(id=1000, img_path=f'{seed}.png', **(dict(ann_file=ann_file) if with_file else {}))
        sample = PoseDataSample(metainfo=meta)
        sample.gt_instances = InstanceData(keypoints=gt, keypoints_visible=np.ones((1, 68)))
        sample.pred_instances = InstanceData(keypoints=gt + 1)
        samples.append(sample.to_dict())
    metric.process({}, samples)
    if not with_file:
        with pytest.raises(ValueError, match=r'annotation id 1000 \(image 0\.png; image 1\.png\)'):
            metric.evaluate(2)
        return
    metric.evaluate(2)
    dumped = json.loads((tmp_path / 'dump.json').read_text())
    assert [(face['ann_file'], face['id']) for face in dumped] == [('valid.json', 1000), ('test.json', 1000)]
