"""Which checkpoint ``--resume`` continues from, and whether it can.

mmengine's auto-resume reads only the work dir's ``last_checkpoint`` file:
without it (deleted, or a work dir copied without it) it logs "Auto resumed
from the latest checkpoint None" and trains from epoch 1. And it resumes any
file, a weights-only ``best_*.pth`` too, continuing silently with a fresh
optimizer. Here:

- :func:`resume_source` takes ``last_checkpoint`` when it names an existing
  file, else the newest ``epoch_N.pth`` / ``iter_N.pth`` whose archive opens;
- :func:`check_resumable` refuses a folder (naming its newest checkpoint),
  a file without optimizer state (unless the user asks for weights only)
  and fields of the wrong type (:func:`field_problems`: a list for
  ``state_dict``, ``meta.epoch = -5`` ...), each in one line, and says when
  the run it holds is already finished.
"""
import os
import os.path as osp
import re

import torch

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


def _problem_with_random_state(state) -> str:
    """Why ``state`` cannot be restored by :func:`set_random_state` ('' if it can): tried, then undone."""
    from mmpose_face.engine.hooks.random_state_checkpoint_hook import get_random_state, set_random_state
    if not isinstance(state, dict):
        return f'is a {type(state).__name__}, expected a dict of generator states'
    current = get_random_state()
    try:
        set_random_state(state)
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, RuntimeError) as error:
        return f'cannot be restored ({type(error).__name__}: {error})'
    finally:
        set_random_state(current)
    return ''


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def field_problems(checkpoint: dict) -> list:
    """What in a training checkpoint has the wrong type for resuming: ``['meta.epoch is -5 ...', ...]``.

    Checked: ``state_dict`` (a mapping of names to tensors), ``meta`` (a
    dict; ``epoch``/``iter`` whole numbers >= 0, ``seed`` an int,
    ``trained_on`` a dict), ``optimizer`` (``state`` a dict,
    ``param_groups`` a list of dicts), ``message_hub`` (a dict of dicts),
    ``param_schedulers`` (a list of dicts) and ``random_state`` (restorable).
    """
    problems = []
    state_dict = checkpoint.get('state_dict')
    if not isinstance(state_dict, dict):
        problems.append(f'state_dict is a {type(state_dict).__name__}, expected a dict of parameter tensors')
    elif not all(isinstance(key, str) and isinstance(value, torch.Tensor) for key, value in state_dict.items()):
        problems.append('state_dict holds entries that are not name -> tensor')
    meta = checkpoint.get('meta', {})
    if not isinstance(meta, dict):
        problems.append(f'meta is a {type(meta).__name__}, expected a dict')
        meta = {}
    for counter in ('epoch', 'iter'):
        if counter in meta and not _is_count(meta[counter]):
            problems.append(f'meta.{counter} is {meta[counter]!r}, expected a whole number >= 0')
    if meta.get('seed') is not None and (isinstance(meta['seed'], bool) or not isinstance(meta['seed'], int)):
        problems.append(f'meta.seed is {meta["seed"]!r}, expected an integer')
    if 'trained_on' in meta and not isinstance(meta['trained_on'], dict):
        problems.append(f'meta.trained_on is a {type(meta["trained_on"]).__name__}, expected a dict')
    if 'optimizer' in checkpoint:
        optimizer = checkpoint['optimizer']
        if not isinstance(optimizer, dict):
            problems.append(f'optimizer is a {type(optimizer).__name__}, expected a dict')
        elif not (isinstance(optimizer.get('state', {}), dict) and isinstance(optimizer.get('param_groups', []), list)
                  and all(isinstance(group, dict) for group in optimizer.get('param_groups', []))):
            problems.append('optimizer needs "state" (a dict) and "param_groups" (a list of dicts)')
    if 'message_hub' in checkpoint:
        hub = checkpoint['message_hub']
        if not isinstance(hub, dict) or not all(isinstance(value, dict) for value in hub.values()):
            problems.append(f'message_hub is a {type(hub).__name__}, expected a dict of dicts '
                            '(log_scalars, runtime_info, resumed_keys)')
    if 'param_schedulers' in checkpoint:
        schedulers = checkpoint['param_schedulers']
        if not isinstance(schedulers, list) or not all(isinstance(item, dict) for item in schedulers):
            problems.append(f'param_schedulers is a {type(schedulers).__name__}, expected a list of dicts')
    if checkpoint.get('random_state'):
        problem = _problem_with_random_state(checkpoint['random_state'])
        if problem:
            problems.append(f'random_state {problem}')
    return problems


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
    if osp.isdir(path):
        newest = resume_source(path)
        hint = f': the newest there is {newest}, pass --resume {newest}' if newest else ' (it holds none)'
        raise ResumeError(f'{path}: is a folder; --resume takes a checkpoint file{hint}, or no value to resume '
                          f'the latest checkpoint of the work dir')
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
    problems = field_problems(checkpoint)
    if problems:
        raise ResumeError(f'{path}: cannot be resumed: {"; ".join(problems)}')
    meta = checkpoint.get('meta') or {}
    train_cfg = train_cfg or {}
    for counter, limit in (('epoch', 'max_epochs'), ('iter', 'max_iters')):
        done, planned = meta.get(counter), train_cfg.get(limit)
        if isinstance(done, int) and isinstance(planned, int) and done >= planned:
            return (f'{path}: this run is finished ({counter} {done} of train_cfg.{limit}={planned}); there is '
                    f'nothing to resume. To train longer, raise train_cfg.{limit}.')
    return ''
