"""What the fast-path tests share: the published train pipeline on the 4 real faces, those faces
cached for 256x256 inputs, and fast batches through the preprocessor."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmpose_face.datasets import WFLWDataset
from mmpose_face.fast_path import CachedFaceDataset, FastPoseDataPreprocessor

from fast_path_runs import TINY_FAST_CONFIG  # noqa: F401 (the tests import it from here too)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA = osp.join(REPO, 'tests', 'data')
PUBLISHED_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                            'td-reg_res50_8xb64-210e_wflw-256x256.py')


def published_pipeline(input_size=(256, 256), **changes):
    """The published train_pipeline (configs), its input size set, steps' arguments changed
    (or, given a ``type``, the steps replaced) by type."""
    pipeline = Config.fromfile(PUBLISHED_CONFIG).train_pipeline
    for step in pipeline:
        if step['type'] == 'TopdownAffine':
            step['input_size'] = input_size
        if step['type'] == 'GenerateTarget':
            step['encoder'] = dict(type='RegressionLabel', input_size=input_size)
        change = changes.get(step['type'], {})
        if 'type' in change:  # another step in its place, with only the given arguments
            step.clear()
        step.update(change)
    return pipeline


def wflw_dataset(data_root=DATA, input_size=(256, 256), **changes):
    """The 4 real faces with the published train pipeline (its steps changed by ``changes``)."""
    init_default_scope('mmpose_face')
    return WFLWDataset(ann_file='test_wflw.json', data_root=data_root, data_prefix=dict(img=''),
                       pipeline=published_pipeline(input_size, **changes))


@pytest.fixture(scope='module')
def cached_256(tmp_path_factory):
    """The 4 test faces cached for 256x256 inputs with the published settings."""
    return CachedFaceDataset(wflw_dataset(), cache_dir=str(tmp_path_factory.mktemp('cache')), num_threads=1,
                             warp='host')


def fast_batches(tmp_path, **preprocessor):
    dataset = CachedFaceDataset(wflw_dataset(input_size=(64, 64)), cache_dir=str(tmp_path), num_threads=1,
                                warp='host')
    processor = FastPoseDataPreprocessor(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                                         bgr_to_rgb=True, **preprocessor)
    processor.bind(dataset.cache, dataset.augmentor)
    return dataset, processor
