"""The result table and cumulative error curves, from per-face errors.

The subsets and their titles are the data set's (``metainfo['subsets']``,
``{name: title}``); the first column is always every face ('All').
"""
import os
import os.path as osp

from .alignment_errors import area_under_curve, cumulative_error_curve, failure_rate

ALL_FACES = ('', 'All')


def _columns(subset_titles: dict) -> list:
    return [ALL_FACES] + list((subset_titles or {}).items())


def format_table(metrics: dict, face_nmes_by_subset: dict, threshold: float = 0.1,
                 subset_titles: dict = None) -> str:
    """Rows NME / FR / AUC (and the mean-shape baseline's NME when present),
    columns All and each subset of ``subset_titles``, in percent with two
    decimals; '-' for an empty subset."""
    columns = _columns(subset_titles)
    header = f"{'':<22}" + ''.join(f'{title:>13}' for _, title in columns)
    rows = [header, '-' * len(header)]

    def row(name, value_of):
        cells = []
        for subset, _ in columns:
            value = value_of(subset)
            cells.append(f'{value * 100:>13.2f}' if value is not None else f"{'-':>13}")
        rows.append(f'{name:<22}' + ''.join(cells))

    def key(prefix, subset):
        return f'{prefix}_{subset}' if subset else prefix

    row('NME (%)', lambda s: metrics.get(key('NME', s)))
    row(f'FR@{threshold:g} (%)', lambda s: failure_rate(face_nmes_by_subset[s], threshold)
        if s in face_nmes_by_subset else None)
    row(f'AUC@{threshold:g} (%)', lambda s: area_under_curve(face_nmes_by_subset[s], threshold)
        if s in face_nmes_by_subset else None)
    if 'baseline_NME' in metrics:
        row('mean-shape NME (%)', lambda s: metrics.get(key('baseline_NME', s)))
    return '\n'.join(rows)


def save_error_curves(path: str, face_nmes_by_subset: dict, threshold: float = 0.1,
                      subset_titles: dict = None, normaliser: str = 'inter-ocular distance') -> str:
    """Plot the cumulative error distribution of all faces and each subset to a PNG."""
    import matplotlib
    matplotlib.use('Agg')
    from matplotlib import pyplot as plt
    figure, axes = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    for subset, title in _columns(subset_titles):
        if subset not in face_nmes_by_subset:
            continue
        nmes = face_nmes_by_subset[subset]
        levels, shares = cumulative_error_curve(nmes, threshold)
        axes.plot(levels * 100, shares * 100, linewidth=2.5 if not subset else 1.2,
                  label=f'{title} (AUC {area_under_curve(nmes, threshold) * 100:.2f}, n={len(nmes)})')
    axes.set_xlim(0, threshold * 100)
    axes.set_ylim(0, 100)
    axes.set_xlabel(f'NME (%), normalised by {normaliser}')
    axes.set_ylabel('faces with NME at or below (%)')
    axes.set_title('Cumulative error distribution')
    axes.grid(alpha=0.3)
    axes.legend(loc='lower right', fontsize=8)
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def compare_with_baseline(metrics: dict) -> tuple:
    """Model NME vs the mean-shape baseline on all faces and each subset in ``metrics``.

    Returns (text, every_ratio_at_most_half): one line per set with both NMEs
    in percent and their ratio; a subset is named as in its key (``NME_<name>``).
    """
    lines = [f"{'set':<14}{'model NME %':>13}{'baseline %':>12}{'ratio':>8}"]
    all_at_most_half = True
    for key in metrics:
        if not (key == 'NME' or key.startswith('NME_')) or f'baseline_{key}' not in metrics:
            continue
        title = 'All' if key == 'NME' else key[len('NME_'):]
        ratio = metrics[key] / metrics[f'baseline_{key}']
        all_at_most_half &= ratio <= 0.5
        lines.append(f"{title:<14}{metrics[key] * 100:>13.2f}{metrics[f'baseline_{key}'] * 100:>12.2f}{ratio:>8.2f}")
    return '\n'.join(lines), all_at_most_half
