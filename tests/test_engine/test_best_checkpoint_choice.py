"""best_checkpoint_to_keep: of a resumed run's best files, the one that scores best by its own recorded
score is kept; worse ones, and ones cut off mid-write, are removed; files without a score are kept."""
import logging

import torch

from mmpose_face.engine.best_checkpoint_choice import best_checkpoint_to_keep, recorded_score

LOGGER = logging.getLogger('best_checkpoint_choice_test')


def best_file(folder, epoch, score, score_key='best_score'):
    path = folder / f'best_NME_epoch_{epoch}.pth'
    torch.save({'message_hub': {'runtime_info': {score_key: score}}, 'state_dict': {}}, path)
    return str(path)


def lower_is_better(a, b):
    return a < b


def test_recorded_score_reads_the_files_own_score_or_none(tmp_path):
    assert recorded_score(best_file(tmp_path, 1, 0.07), 'best_score') == 0.07
    assert recorded_score(best_file(tmp_path, 2, float('nan')), 'best_score') is None
    assert recorded_score(best_file(tmp_path, 3, 0.05), 'best_score_NME') is None  # another key
    (tmp_path / 'broken.pth').write_bytes(b'not a checkpoint')
    assert recorded_score(str(tmp_path / 'broken.pth'), 'best_score') is None


def test_the_better_file_the_record_does_not_name_is_kept(tmp_path):
    older = best_file(tmp_path, 2, 0.08)
    newer = best_file(tmp_path, 3, 0.06)  # written after the checkpoint the run resumes from
    kept = best_checkpoint_to_keep(str(tmp_path), 'NME', older, 0.08, lower_is_better, 'best_score', LOGGER)
    assert kept == (newer, 0.06)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['best_NME_epoch_3.pth']


def test_a_cut_off_best_file_is_removed_and_an_unscored_one_kept(tmp_path):
    recorded = best_file(tmp_path, 2, 0.08)
    cut = best_file(tmp_path, 3, 0.06)
    with open(cut, 'r+b') as f:
        f.truncate(40)
    unscored = best_file(tmp_path, 4, 'unknown')
    kept = best_checkpoint_to_keep(str(tmp_path), 'NME', recorded, 0.08, lower_is_better, 'best_score', LOGGER)
    assert kept == (recorded, 0.08)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['best_NME_epoch_2.pth', 'best_NME_epoch_4.pth']
    assert unscored.endswith('epoch_4.pth')


def test_nothing_complete_is_removed_while_the_rule_is_unknown(tmp_path):
    best_file(tmp_path, 2, 0.08)
    best_file(tmp_path, 3, 0.06)
    assert best_checkpoint_to_keep(str(tmp_path), 'NME', None, None, None, 'best_score', LOGGER) is None
    assert len(list(tmp_path.iterdir())) == 2
