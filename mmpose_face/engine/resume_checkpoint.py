"""Which checkpoint ``--resume`` continues from, and whether it can.

mmengine's auto-resume reads only the work dir's ``last_checkpoint`` file:
without it (deleted, or a work dir copied without it) it logs "Auto resumed
from the latest checkpoint None" and trains from epoch 1. And it resumes any
file, a weights-only ``best_*.pth`` too, continuing silently with a fresh
optimizer. Here:

- :func:`resume_source` takes ``last_checkpoint`` when it names an existing
  file, else the newest ``epoch_N.pth`` / ``iter_N.pth`` whose archive opens;
- :func:`check_resumable` refuses a file without optimizer state (unless
  the user asks for weights only) and says when the run it holds is already
  finished.
"""
import os
import os.path as osp
import re

from mmpose_face.engine.checkpoint_loading import archive_problem, safe_torch_load
from mmpose_face.errors import ResumeError

_RUN_CHECKPOINT = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def recorded_checkpoint(work_dir: str):
    """The file ``work_dir/last_checkpoint`` names, if it exists."""
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(record):
        return None
    with open(record) as f:
        path = f.read().strip()
    return path if path and osp.isfile(path) else None


def newest_complete_checkpoint(work_dir: str):
    """The newest ``epoch_N.pth`` or ``iter_N.pth`` in ``work_dir`` whose archive opens, or None.

    Newest: the highest N of the kind written last (by modification time).
    """
    if not osp.isdir(work_dir):
        return None
    found = []
    for name in os.listdir(work_dir):
        match = _RUN_CHECKPOINT.match(name)
        path = osp.join(work_dir, name)
        if match and osp.isfile(path) and not archive_problem(path):
            found.append((os.stat(path).st_mtime, match.group(1), int(match.group(2)), path))
    if not found:
        return None
    newest_kind = max(found)[1]
    return max((number, path) for _, kind, number, path in found if kind == newest_kind)[1]


def resume_source(work_dir: str):
    """What ``--resume`` without a path continues from: ``last_checkpoint``'s file, else
    the newest complete run checkpoint, else None (training starts from the beginning)."""
    return recorded_checkpoint(work_dir) or newest_complete_checkpoint(work_dir)


def check_resumable(path: str, train_cfg: dict, weights_only: bool = False, trusted: bool = None,
                    skip_hash_check: bool = None) -> str:
    """Raise :class:`ResumeError` if ``path`` cannot be resumed; return a message when
    the run it holds is finished (nothing to resume), else ''.

    Args:
        path: the checkpoint.
        train_cfg: the config's ``train_cfg`` (``max_epochs`` or ``max_iters``).
        weights_only: resume a file without optimizer state anyway (a fresh
            optimizer and LR schedule continue from its weights and counters).
        trusted, skip_hash_check: as for :func:`safe_torch_load`.
    """
    checkpoint = safe_torch_load(path, mmap=True, trusted=trusted, skip_hash_check=skip_hash_check)
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise ResumeError(f'{path}: not a training checkpoint (no state_dict); --resume needs an epoch_N.pth '
                          f'written by tools/train.py')
    if 'optimizer' not in checkpoint and not weights_only:
        raise ResumeError(
            f'{path}: holds weights only, no optimizer state (a best_*.pth, or a checkpoint saved with '
            f'save_optimizer=False): resuming it would continue with a fresh optimizer and LR schedule. '
            f'Resume an epoch_N.pth instead, pass --resume-weights-only to continue from these weights '
            f'anyway, or use load_from to start a new run from them.')
    meta = checkpoint.get('meta') or {}
    train_cfg = train_cfg or {}
    for counter, limit in (('epoch', 'max_epochs'), ('iter', 'max_iters')):
        done, planned = meta.get(counter), train_cfg.get(limit)
        if isinstance(done, int) and isinstance(planned, int) and done >= planned:
            return (f'{path}: this run is finished ({counter} {done} of train_cfg.{limit}={planned}); there is '
                    f'nothing to resume. To train longer, raise train_cfg.{limit}.')
    return ''
