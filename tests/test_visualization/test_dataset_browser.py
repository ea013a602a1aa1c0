"""browse_dataset: the augmented training crops with their targets."""
import importlib.util

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmpose_face.apis.cli import run_tool
from mmpose_face.registry import DATASETS
from mmpose_face.visualization import PoseLocalVisualizer, browse_dataset, draw_packed_sample

CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'


def test_writes_augmented_samples(tmp_path):
    written = browse_dataset(CONFIG, str(tmp_path), max_items=3)
    assert [p.split('/')[-1] for p in written] == [
        '0000_36_Football_americanfootball_ball_36_415_2.png', '0001_7_Cheering_Cheering_7_16_12.png',
        '0002_7_Cheering_Cheering_7_16_40.png']
    for path in written:
        assert cv2.imread(path).shape == (256, 256, 3)
    assert len(browse_dataset(CONFIG, str(tmp_path / 'all'), max_items=100)) == 4, 'capped at the data set'


def test_points_are_drawn_at_the_targets():
    cfg = Config.fromfile(CONFIG)
    init_default_scope('mmpose_face')
    packed = DATASETS.build(cfg.train_dataloader.dataset)[0]
    labels = packed['data_samples'].gt_instance_labels
    visualizer = PoseLocalVisualizer(name=f'browse_test_{np.random.randint(1 << 30)}', radius=2,
                                     draw_contours=False)
    picture = draw_packed_sample(packed, visualizer, display_size=256)[..., ::-1]  # RGB
    weights = labels.keypoint_weights.numpy()[0]
    points = labels.keypoint_labels.numpy()[0] * 256  # 64 px crop shown at 256 px
    k = int(np.flatnonzero(weights > 0)[0])
    x, y = np.round(points[k]).astype(int)
    np.testing.assert_array_equal(picture[y, x], visualizer.gt_color)


def test_command_line(tmp_path, monkeypatch, capsys):
    spec = importlib.util.spec_from_file_location('browse_dataset_tool', 'tools/misc/browse_dataset.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    monkeypatch.setattr('sys.argv', ['browse', CONFIG, '--output-dir', str(tmp_path), '--max-items', '2',
                                     '--seed', '3'])
    assert run_tool(tool.main, tool.parse_args()) == 0
    assert 'wrote 2 samples' in capsys.readouterr().out
    with pytest.raises(ValueError, match='phase'):
        browse_dataset(CONFIG, str(tmp_path), phase='training')
