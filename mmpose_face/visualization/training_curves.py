"""Loss, learning-rate and NME curves from mmengine's scalar logs."""
import json
import os
import os.path as osp

import numpy as np

from mmpose_face.errors import UserInputKeyError


def load_scalar_log(path: str) -> dict:
    """Read ``vis_data/scalars.json`` or ``vis_data/{timestamp}.json`` (one JSON
    object per line).

    Returns ``{'train': [entries with 'iter'], 'val': [other entries], 'by_epoch': bool}``;
    a validation entry's ``step`` is its epoch when training counts epochs.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: log file not found')
    train, val = [], []
    with open(path) as f:
        for line_number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{path}: line {line_number} is not JSON ({error}); expected mmengine\'s '
                                 'scalars.json (one object per line)') from None
            if not isinstance(entry, dict):
                raise ValueError(f'{path}: line {line_number} is not a JSON object')
            (train if 'iter' in entry else val).append(entry)
    if not train and not val:
        raise ValueError(f'{path}: no log entries')
    return dict(train=train, val=val, by_epoch=any('epoch' in entry for entry in train))


def curve(log: dict, key: str):
    """``(x, y, x_label)`` of one key: training keys over iterations, validation
    keys over their step (epochs, or iterations when training counts iterations)."""
    for phase in ('train', 'val'):
        entries = [entry for entry in log[phase] if key in entry]
        if entries:
            x_key = 'iter' if phase == 'train' else 'step'
            x_label = 'iteration' if phase == 'train' or not log['by_epoch'] else 'epoch'
            return (np.array([entry.get(x_key, i) for i, entry in enumerate(entries)], np.float64),
                    np.array([entry[key] for entry in entries], np.float64), x_label)
    return None


def plot_curves(log_files, keys=('loss_kpt', 'lr', 'NME'), out_file: str = 'curves.png', title: str = None,
                legend=None) -> str:
    """One panel per key, one line per log file; writes ``out_file`` (PNG) and returns it.

    A key found in no log is an error naming the keys the logs do have.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    log_files = [log_files] if isinstance(log_files, str) else list(log_files)
    legend = list(legend) if legend else [osp.basename(osp.dirname(osp.dirname(path))) or path
                                          for path in log_files]
    if len(legend) != len(log_files):
        raise ValueError(f'{len(legend)} legend entries for {len(log_files)} log files')
    logs = [load_scalar_log(path) for path in log_files]
    available = sorted({key for log in logs for entry in log['train'] + log['val'] for key in entry}
                       - {'iter', 'epoch', 'step'})
    for key in keys:
        if not any(curve(log, key) for log in logs):
            raise UserInputKeyError(f'{", ".join(log_files)}: no {key!r} in the log; it has {available}')
    figure, axes = plt.subplots(len(keys), 1, figsize=(7, 2.6 * len(keys)), squeeze=False)
    for axis, key in zip(axes[:, 0], keys):
        for log, name in zip(logs, legend):
            found = curve(log, key)
            if found:
                x, y, x_label = found
                axis.plot(x, y, marker='o' if len(x) < 20 else None, markersize=3, label=name)
                axis.set_xlabel(x_label)
        axis.set_ylabel(key)
        axis.grid(alpha=0.3)
        if key == 'lr':
            axis.ticklabel_format(axis='y', style='sci', scilimits=(-3, 3))
        axis.legend(fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    if osp.dirname(out_file):
        os.makedirs(osp.dirname(out_file), exist_ok=True)
    figure.savefig(out_file, dpi=100)
    plt.close(figure)
    return out_file
