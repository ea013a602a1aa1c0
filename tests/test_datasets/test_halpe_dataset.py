"""HalpeDataset: 136-point people in mmpose's layout, and its description read as mmpose reads it."""
import json
import os
import subprocess

import numpy as np
from mmengine.registry import init_default_scope

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.registry import DATASETS
from tests.mmpose_reference import REFERENCE_PYTHON, needs_mmpose_reference

DESCRIPTION = 'configs/_base_/datasets/halpe.py'
FACTS = ('num_keypoints', 'flip_indices', 'upper_body_ids', 'lower_body_ids', 'skeleton_links')


def halpe_file(tmp_path):
    rng = np.random.RandomState(0)
    keypoints = np.concatenate([rng.uniform(100, 300, (136, 2)), np.full((136, 1), 2.)], axis=1)
    keypoints[130:] = 0  # some hand points not labelled
    coco = dict(images=[dict(id=1, file_name='7_Cheering_Cheering_7_16.jpg', width=1024, height=768)],
                annotations=[dict(id=5, image_id=1, bbox=[90., 90., 220., 220.], keypoints=keypoints.ravel().tolist(),
                                  num_keypoints=130, iscrowd=0, category_id=1)],
                categories=[dict(id=1, name='person')])
    path = tmp_path / 'halpe.json'
    path.write_text(json.dumps(coco))
    return path, keypoints


def test_reads_the_136_points_and_box(tmp_path):
    init_default_scope('mmpose_face')
    path, keypoints = halpe_file(tmp_path)
    dataset = DATASETS.build(dict(type='HalpeDataset', data_root=str(tmp_path), ann_file='halpe.json',
                                  data_prefix=dict(img='tests/data/'), pipeline=[]))
    item = dataset.get_data_info(0)
    assert dataset.metainfo['num_keypoints'] == 136 and item['keypoints'].shape == (1, 136, 2)
    np.testing.assert_allclose(item['keypoints'][0], keypoints[:, :2], rtol=1e-6)
    assert item['keypoints_visible'][0, 130:].sum() == 0 and item['keypoints_visible'][0, :130].all()
    np.testing.assert_allclose(item['bbox'], [[90., 90., 310., 310.]])
    assert item['upper_body_ids'] and item['lower_body_ids']  # a body layout: RandomHalfBody can act


@needs_mmpose_reference
def test_description_facts_as_mmpose_parses_them():
    script = ('import json, mmpose, os.path as osp\n'
              'from mmpose.datasets.datasets.utils import parse_pose_metainfo\n'
              "m = parse_pose_metainfo(dict(from_file=osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', "
              "'_base_', 'datasets', 'halpe.py')))\n"
              f'print(json.dumps({{k: m[k] for k in {FACTS!r}}}))\n'
              "print(json.dumps([m['sigmas'].tolist(), m['dataset_keypoint_weights'].tolist()]))")
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    out = subprocess.run([REFERENCE_PYTHON, '-c', script], capture_output=True, text=True, check=True, env=env)
    facts, (sigmas, weights) = (json.loads(line) for line in out.stdout.strip().splitlines()[-2:])
    ours = load_dataset_info(DESCRIPTION)
    assert {k: [list(v) if isinstance(v, tuple) else v for v in ours[k]] if isinstance(ours[k], list) else ours[k]
            for k in FACTS} == facts
    np.testing.assert_array_equal(ours['sigmas'], np.float32(sigmas))
    np.testing.assert_array_equal(ours['dataset_keypoint_weights'], np.float32(weights))
