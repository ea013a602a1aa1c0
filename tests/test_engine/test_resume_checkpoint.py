"""Which checkpoint ``--resume`` continues from and whether it can, on small hand-made checkpoints:
``last_checkpoint`` first, else the newest complete run checkpoint; folders, weights-only files and
fields of the wrong type refused in one line; a finished run said to be finished."""
import os

import pytest
import torch

from mmpose_face.engine.resume_checkpoint import (check_resumable, field_problems, newest_complete_checkpoint,
                                                  recorded_checkpoint, resume_source)
from mmpose_face.errors import ResumeError


def training_checkpoint(path, epoch=1, **changes):
    checkpoint = dict(state_dict={'fc.weight': torch.zeros(2, 2)}, meta=dict(epoch=epoch, iter=epoch * 4, seed=0),
                      optimizer=dict(state={}, param_groups=[dict(lr=0.1)]), message_hub=dict(runtime_info={}),
                      param_schedulers=[dict(last_epoch=epoch)])
    checkpoint.update(changes)
    torch.save(checkpoint, path)
    return str(path)


def test_last_checkpoint_names_the_source_when_its_file_exists(tmp_path):
    first, second = training_checkpoint(tmp_path / 'epoch_1.pth'), training_checkpoint(tmp_path / 'epoch_2.pth', 2)
    (tmp_path / 'last_checkpoint').write_text(first)
    assert recorded_checkpoint(str(tmp_path)) == first and resume_source(str(tmp_path)) == first
    os.remove(first)
    assert recorded_checkpoint(str(tmp_path)) is None and resume_source(str(tmp_path)) == second


def test_the_newest_complete_checkpoint_passes_over_a_cut_off_one(tmp_path):
    complete = training_checkpoint(tmp_path / 'epoch_2.pth', 2)
    training_checkpoint(tmp_path / 'epoch_10.pth', 10)
    with open(tmp_path / 'epoch_10.pth', 'r+b') as f:
        f.truncate(50)
    (tmp_path / 'best_NME_epoch_2.pth').write_bytes(open(complete, 'rb').read())  # not a run checkpoint
    assert newest_complete_checkpoint(str(tmp_path)) == complete
    assert newest_complete_checkpoint(str(tmp_path / 'missing')) is None


@pytest.mark.parametrize('changes, problem', [
    (dict(state_dict=[torch.zeros(1)]), 'state_dict is a list, expected a dict of parameter tensors'),
    (dict(meta=dict(epoch=-5)), 'meta.epoch is -5, expected a whole number >= 0'),
    (dict(meta=dict(seed=True)), 'meta.seed is True, expected an integer'),
    (dict(optimizer=dict(state={}, param_groups='lr')), 'optimizer needs "state" (a dict)'),
    (dict(param_schedulers={'milestones': 1}), 'param_schedulers is a dict, expected a list of dicts'),
    (dict(random_state=[1, 2]), 'random_state is a list, expected a dict of generator states')])
def test_field_problems_name_the_field_and_what_was_expected(changes, problem):
    checkpoint = dict(state_dict={'w': torch.zeros(1)}, meta=dict(epoch=1), optimizer=dict(state={}, param_groups=[]))
    assert field_problems(checkpoint) == []
    (found, ) = field_problems(dict(checkpoint, **changes))
    assert found.startswith(problem)


def test_check_resumable_refuses_in_one_line_and_says_when_the_run_is_finished(tmp_path):
    run = training_checkpoint(tmp_path / 'epoch_3.pth', 3)
    assert check_resumable(run, dict(max_epochs=5)) == ''
    assert 'this run is finished (epoch 3 of train_cfg.max_epochs=3)' in check_resumable(run, dict(max_epochs=3))
    with pytest.raises(ResumeError, match=r'is a folder; --resume takes a checkpoint file: the newest there is'):
        check_resumable(str(tmp_path), dict(max_epochs=5))
    weights = tmp_path / 'best_NME_epoch_3.pth'
    torch.save(dict(state_dict={'fc.weight': torch.zeros(2, 2)}, meta=dict(epoch=3)), weights)
    with pytest.raises(ResumeError, match=r'holds weights only, no optimizer state'):
        check_resumable(str(weights), dict(max_epochs=5))
    assert check_resumable(str(weights), dict(max_epochs=5), weights_only=True) == ''
    bad = training_checkpoint(tmp_path / 'epoch_4.pth', 4, meta=dict(epoch=2.5))
    with pytest.raises(ResumeError, match=r'epoch_4\.pth: cannot be resumed: meta\.epoch is 2\.5'):
        check_resumable(bad, dict(max_epochs=5))
