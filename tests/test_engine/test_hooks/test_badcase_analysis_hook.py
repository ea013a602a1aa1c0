"""BadCaseAnalysisHook: mmpose's arguments; a face is bad by the model's loss on image pixels.

The end-to-end run (``tools/test.py --badcase`` on mmpose's own config, the
pictures and results.json) is in tests/test_tools/test_mmpose_configs.py.
"""
from types import SimpleNamespace

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmpose_face.engine.hooks import BadCaseAnalysisHook
from mmpose_face.registry import HOOKS
from mmpose_face.structures import PoseDataSample


@pytest.fixture(autouse=True, scope='module')
def mmpose_face_scope():
    init_default_scope('mmpose_face')


def face(error_px: float) -> PoseDataSample:
    sample = PoseDataSample(metainfo=dict(img_path='tests/data/7_Cheering_Cheering_7_16.jpg'))
    gt = np.zeros((1, 98, 2))
    sample.gt_instances = InstanceData(keypoints=gt, keypoints_visible=np.ones((1, 98)),
                                       bboxes=np.array([[1., 2., 30., 40.]], dtype=np.float32))
    sample.pred_instances = InstanceData(keypoints=gt + error_px)
    return sample


def test_metric_type_is_validated_like_mmpose():
    with pytest.raises(KeyError, match="'loss', 'accuracy'"):
        BadCaseAnalysisHook(metric_type='pck')


def test_the_metric_is_built_in_init_as_mmpose_builds_it_and_a_disabled_hook_writes_nothing(tmp_path):
    hook = HOOKS.build(dict(type='BadCaseAnalysisHook', enable=False, out_dir='badcase', metric_type='loss',
                            badcase_thr=5))
    # mmpose's default metric, KeypointMSELoss, is registered (the integral-regression configs use it)
    assert type(hook.metric).__name__ == 'KeypointMSELoss'
    runner = SimpleNamespace(work_dir=str(tmp_path), timestamp='t')
    hook.before_test(runner)
    hook.after_test_iter(runner, 0, None, [face(100.)])
    hook.after_test_epoch(runner)
    assert not list(tmp_path.iterdir())
    with pytest.raises(KeyError, match='NoSuchLoss'):  # as mmpose: at build time, enabled or not
        BadCaseAnalysisHook(enable=False, metric=dict(type='NoSuchLoss'))


def test_a_face_is_bad_when_its_loss_reaches_the_threshold():
    hook = BadCaseAnalysisHook(enable=True, metric=dict(type='L1Loss', use_target_weight=True), badcase_thr=5)
    assert hook.check_badcase(None, face(5.)) == (True, pytest.approx(5.))
    assert hook.check_badcase(None, face(4.9)) == (False, pytest.approx(4.9))
    assert hook.metric_name == 'L1Loss'
