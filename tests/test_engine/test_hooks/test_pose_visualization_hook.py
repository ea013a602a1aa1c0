"""PoseVisualizationHook: validation samples every `interval` batches, every test face with --show-dir."""
import os
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmengine.visualization import Visualizer

from mmpose_face.apis import prepare_test_config
from mmpose_face.engine.hooks import PoseVisualizationHook
from mmpose_face.structures import PoseDataSample
from mmpose_face.visualization import PoseLocalVisualizer

CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'
FOOTBALL = 'tests/data/36_Football_americanfootball_ball_36_415.jpg'


def predicted_sample(face_id=2):
    sample = PoseDataSample(metainfo=dict(img_path=FOOTBALL, id=face_id))
    keypoints = np.random.default_rng(0).uniform(440, 520, (1, 98, 2))
    sample.gt_instances = InstanceData(keypoints=keypoints, keypoints_visible=np.ones((1, 98)))
    sample.pred_instances = InstanceData(keypoints=keypoints + 3)
    return sample


def fake_runner(tmp_path, visualizer=None, iteration=10):
    visualizer = visualizer or PoseLocalVisualizer(
        name=f'hook_test_{np.random.randint(1 << 30)}', vis_backends=[dict(type='LocalVisBackend')],
        save_dir=str(tmp_path))
    evaluator = SimpleNamespace(dataset_meta=dict(num_keypoints=98))
    return SimpleNamespace(visualizer=visualizer, iter=iteration, val_evaluator=evaluator,
                           test_evaluator=evaluator, work_dir=str(tmp_path), timestamp='20250101_000000')


def test_validation_samples_every_interval(tmp_path):
    runner = fake_runner(tmp_path, iteration=10)
    hook = PoseVisualizationHook(enable=True, interval=5)
    for batch_idx in range(7):  # steps 10 ... 16: 10 and 15 are drawn
        hook.after_val_iter(runner, batch_idx, None, [predicted_sample()])
    saved = sorted(os.listdir(tmp_path / 'vis_data' / 'vis_image'))
    assert saved == ['val_face_10.png', 'val_face_15.png']
    drawn = cv2.imread(str(tmp_path / 'vis_data' / 'vis_image' / 'val_face_10.png'))
    assert drawn.shape == cv2.imread(FOOTBALL).shape

    quiet = fake_runner(tmp_path / 'off')
    PoseVisualizationHook(enable=False, interval=1).after_val_iter(quiet, 0, None, [predicted_sample()])
    assert not (tmp_path / 'off').exists()


def test_test_faces_go_to_out_dir(tmp_path):
    runner = fake_runner(tmp_path)
    hook = PoseVisualizationHook(enable=True, interval=1, out_dir='faces')
    hook.before_test(runner)
    hook.after_test_iter(runner, 0, None, [predicted_sample(2), predicted_sample(7)])
    out_dir = tmp_path / '20250101_000000' / 'faces'
    assert sorted(os.listdir(out_dir)) == ['36_Football_americanfootball_ball_36_415_2.jpg',
                                           '36_Football_americanfootball_ball_36_415_7.jpg']


def test_needs_the_pose_visualizer(tmp_path):
    runner = fake_runner(tmp_path, visualizer=Visualizer(name=f'plain_{np.random.randint(1 << 30)}'))
    with pytest.raises(TypeError, match='PoseLocalVisualizer'):
        PoseVisualizationHook(enable=True, interval=1).after_val_iter(runner, 0, None, [predicted_sample()])
    with pytest.raises(ValueError, match='interval'):
        PoseVisualizationHook(interval=0)


def test_show_dir_of_tools_test_saves_every_face(tmp_path):
    from mmengine.runner import Runner
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # shared cores: more threads are slower here
    try:
        cfg = prepare_test_config(CONFIG, work_dir=str(tmp_path), show_dir='vis')
        runner = Runner.from_cfg(cfg)
        runner.test()
    finally:
        torch.set_num_threads(threads)
    out_dir = tmp_path / runner.timestamp / 'vis'
    assert sorted(os.listdir(out_dir)) == sorted([
        '36_Football_americanfootball_ball_36_415_2.jpg', '7_Cheering_Cheering_7_16_12.jpg',
        '7_Cheering_Cheering_7_16_40.jpg', '7_Cheering_Cheering_7_16_1169.jpg'])
