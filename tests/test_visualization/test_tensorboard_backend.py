"""The documented TensorboardVisBackend writes event files through the config.

Needs the ``tensorboard`` extra (``pip install -r requirements/tensorboard.txt``,
which ``make test`` installs).
"""
import glob
import importlib.util

import pytest
from mmengine.config import Config

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec('tensorboard') is None,
    reason='tensorboard is not installed: pip install -r requirements/tensorboard.txt (make test does)')


def test_training_scalars_reach_tensorboard_event_files(tmp_path, one_thread):
    from mmpose_face.apis import build_runner
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    cfg = Config.fromfile('tests/configs/td-reg_res18_tiny_wflw-32x32.py')
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.max_epochs = 1
    cfg.default_hooks.logger.interval = 1
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
    # a visualizer of its own: mmengine hands back an existing instance of the same name unchanged
    cfg.visualizer.name = f'tensorboard-test-{tmp_path.name}'
    build_runner(cfg).train()
    [event_file] = glob.glob(str(tmp_path / '*' / 'vis_data' / 'events.out.tfevents.*'))
    events = EventAccumulator(event_file)
    events.Reload()
    scalars = events.Tags()['scalars']
    assert 'loss' in scalars and 'lr' in scalars and 'NME' in scalars
    assert len(events.Scalars('loss')) == 2  # one per training iteration (2 iterations of 2 faces)
