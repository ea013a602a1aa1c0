"""Print what `make demo` produced: model vs mean-shape baseline, the files, and what to run next.

    python tools/misc/summarize_demo.py WORK_DIR [--checkpoint CKPT] [--seconds N]

Only this run's pictures are counted: those of ``WORK_DIR/vis_test`` (the folder
`make demo` reuses), else of the newest ``WORK_DIR/<timestamp>/vis_test``.
"""
import argparse
import glob
import json
import os.path as osp
import sys


def newest_run_pictures(work_dir: str) -> list:
    """The pictures of the newest test run (``WORK_DIR/vis_test/*.jpg``, else
    ``WORK_DIR/<YYYYmmdd_HHMMSS>/vis_test/*.jpg``)."""
    runs = sorted(path for path in glob.glob(osp.join(work_dir, '*', 'vis_test')) if osp.isdir(path))
    runs += [osp.join(work_dir, 'vis_test')] if osp.isdir(osp.join(work_dir, 'vis_test')) else []
    return sorted(glob.glob(osp.join(runs[-1], '*.jpg'))) if runs else []


def main(args):
    from mmpose_face.evaluation.report import compare_with_baseline
    metrics_file = osp.join(args.work_dir, 'metrics.json')
    if not osp.isfile(metrics_file):
        raise FileNotFoundError(f'{metrics_file}: no metrics; run tools/test.py with --out first')
    with open(metrics_file) as f:
        metrics = json.load(f)
    missing = [key for key in ('NME', 'FR@0.1', 'AUC@0.1') if key not in metrics]
    if missing:
        raise ValueError(f'{metrics_file}: no {missing[0]!r}; the demo config\'s evaluator must have '
                       'failure_rate_and_auc=True (NME returns only mmpose\'s keys without it)')
    table, learned = compare_with_baseline(metrics)
    print('\n=== Quick start: synthetic WFLW test split ===')
    print(table)
    print(f"FR@0.1 {metrics['FR@0.1'] * 100:.2f} %   AUC@0.1 {metrics['AUC@0.1'] * 100:.2f} %")
    print('model NME is at most half the mean-shape baseline in every set: '
          + ('yes' if learned else 'NO'))
    shown = newest_run_pictures(args.work_dir)
    print('\nfiles in', args.work_dir)
    if args.checkpoint:
        print(f"  {osp.basename(args.checkpoint):<18} {'the trained model' if osp.isfile(args.checkpoint) else 'MISSING'}"
              f' ({args.checkpoint}; trained on synthetic faces)')
    for name in ('metrics.json', 'predictions.json', 'ced_curves.png'):
        path = osp.join(args.work_dir, name)
        print(f"  {name:<18} {'written' if osp.isfile(path) else 'MISSING'}")
    print(f'  images of predicted landmarks (this run): {len(shown)} files, e.g. {shown[0] if shown else "-"}')
    if args.seconds is not None:
        print(f'\nmake demo took {args.seconds // 60} min {args.seconds % 60} s')
    print('\nNext: landmarks on your own photo (a file, a folder or a video), with the released WFLW model\n'
          '(downloaded once into the torch hub cache) or offline with this demo model:\n'
          '  .venv/bin/python demo/inferencer_demo.py YOUR_PHOTO.jpg --model wflw\n'
          '  .venv/bin/python demo/inferencer_demo.py YOUR_PHOTO.jpg --model demo\n'
          '(or `. .venv/bin/activate` once, then `python demo/inferencer_demo.py ...`); the pictures go to\n'
          'work_dirs/inferencer_demo/visualizations/. See docs/inference.md.')
    if not learned:
        sys.exit(1)


if __name__ == '__main__':
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('work_dir')
    parser.add_argument('--checkpoint', help='the checkpoint the demo trained (named in the summary)')
    parser.add_argument('--seconds', type=int)
    from mmpose_face.apis.cli import run_tool
    sys.exit(run_tool(main, parser.parse_args()))
