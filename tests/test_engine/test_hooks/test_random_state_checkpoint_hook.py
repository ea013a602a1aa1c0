"""RandomStateCheckpointHook: the generators' states go into the checkpoint and come back, and validation
leaves the training streams as the checkpoint has them.
"""
import random

import numpy as np
import torch
from mmengine.runner import get_priority

from mmpose_face.engine.checkpoint_loading import safe_torch_load
from mmpose_face.engine.hooks import CheckpointHook, RandomStateCheckpointHook
from mmpose_face.engine.hooks.random_state_checkpoint_hook import get_random_state

from test_engine.random_state_checks import assert_same


def draw_from_every_generator():
    return random.random(), float(np.random.rand()), float(torch.rand(1))


def test_random_states_go_into_the_checkpoint_and_come_back(tmp_path):
    hook, checkpoint = RandomStateCheckpointHook(), {}
    hook.before_save_checkpoint(None, checkpoint)
    torch.save(checkpoint, tmp_path / 'state.pth')
    expected = draw_from_every_generator()
    draw_from_every_generator()
    hook.after_load_checkpoint(None, safe_torch_load(str(tmp_path / 'state.pth')))
    assert draw_from_every_generator() == expected


def test_validation_does_not_draw_on_the_training_random_streams():
    """mmengine saves an epoch's checkpoint before validating (and again after, only if the best
    improved): validation must leave the generators as the checkpoint has them."""
    hook = RandomStateCheckpointHook()
    before = get_random_state()
    hook.before_val_epoch(None)
    draw_from_every_generator()
    hook.after_val_epoch(None, {'NME': 0.1})
    assert_same(before, get_random_state())
    # and it restores them before CheckpointHook re-saves after validation
    assert get_priority(RandomStateCheckpointHook.priority) < get_priority(CheckpointHook.priority)

