"""Which ``best_<key>_*.pth`` of a resumed run's work dir to keep: the best by its recorded score.

mmengine records the new ``best_score`` in the message hub before it saves a
best checkpoint, so every best file carries its own score
(``message_hub.runtime_info.best_score``, or ``best_score_<key>`` with
several keys). A run stopped between writing a new best and re-saving the
epoch checkpoint that records it resumes with a record naming the older,
worse best; :func:`best_checkpoint_to_keep` compares the files by those
scores instead, so the better weights are never the ones deleted.
"""
import math
import os
import os.path as osp

from mmpose_face.engine.checkpoint_loading import archive_problem, safe_torch_load
from mmpose_face.errors import CheckpointReadError, UnsafeCheckpointError


def recorded_score(path: str, score_key: str):
    """The score a best checkpoint recorded for itself (a finite number), or None."""
    try:
        checkpoint = safe_torch_load(path, mmap=True)
    except (CheckpointReadError, UnsafeCheckpointError, OSError, RuntimeError, ValueError):
        return None
    hub = checkpoint.get('message_hub') if isinstance(checkpoint, dict) else None
    info = hub.get('runtime_info') if isinstance(hub, dict) else None
    score = info.get(score_key) if isinstance(info, dict) else None
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not math.isfinite(score):
        return None
    return float(score)


def best_checkpoint_to_keep(out_dir: str, key: str, recorded: str, recorded_best, is_better, score_key: str,
                            logger):
    """Remove the ``best_<key>_*.pth`` files of ``out_dir`` that score worse than the best one, or are cut off.

    Args:
        out_dir: the checkpoint folder.
        key: the metric (``'NME'``).
        recorded: the best file the resumed checkpoint names (or None).
        recorded_best: the score it records for it (or None).
        is_better: ``is_better(a, b)`` of the hook's rule, or None when the
            rule is not known yet (``save_best='auto'``): nothing complete is
            then removed.
        score_key: the message hub key of the score.
        logger: where each decision is logged.

    Returns:
        ``(path, score)`` of the file kept as the run's best, or None when
        no file has a known score.
    """
    prefix = f'best_{key}_'.replace('/', '_')
    recorded = osp.abspath(str(recorded)) if recorded else None
    scored = []   # (path, score)
    if recorded and osp.isfile(recorded):
        scored.append((recorded, recorded_best if recorded_best is not None else recorded_score(recorded,
                                                                                               score_key)))
    for name in sorted(os.listdir(out_dir)):
        path = osp.abspath(osp.join(out_dir, name))
        if not (name.startswith(prefix) and name.endswith('.pth')) or path == recorded or not osp.isfile(path):
            continue
        problem = archive_problem(path)
        if problem:
            os.remove(path)
            logger.info(f'Removed {path}: a best checkpoint cut off while it was written ({problem})')
            continue
        scored.append((path, recorded_score(path, score_key)))
    unknown = [path for path, score in scored if score is None]
    for path in unknown:
        logger.warning(f'Kept {path}: a best checkpoint that records no {score_key}, so it cannot be compared')
    known = [(path, score) for path, score in scored if score is not None]
    if not known:
        return None
    if is_better is None:
        return None
    best_path, best = known[0]
    for path, score in known[1:]:
        if is_better(score, best):
            best_path, best = path, score
    for path, score in known:
        if path != best_path:
            os.remove(path)
            logger.info(f'Removed {path} ({key} {score:.4f}): {best_path} scores better ({key} {best:.4f}) and '
                        f'is kept as the best checkpoint')
    if best_path != recorded:
        logger.info(f'Kept {best_path} ({key} {best:.4f}) as the best checkpoint: written after the checkpoint '
                    f'this run resumed from, which recorded '
                    f'{recorded if recorded else "none"}'
                    f'{f" ({key} {recorded_best:.4f})" if recorded_best is not None else ""}')
    return best_path, best
