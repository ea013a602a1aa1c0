"""Print what `make demo` produced: model vs mean-shape baseline, and the files.

    python tools/misc/summarize_demo.py WORK_DIR [--seconds N]
"""
import argparse
import glob
import json
import os.path as osp
import sys


def main(args):
    from mmpose_face.evaluation.report import compare_with_baseline
    metrics_file = osp.join(args.work_dir, 'metrics.json')
    if not osp.isfile(metrics_file):
        raise FileNotFoundError(f'{metrics_file}: no metrics; run tools/test.py with --out first')
    with open(metrics_file) as f:
        metrics = json.load(f)
    table, learned = compare_with_baseline(metrics)
    print('\n=== Quick start: synthetic WFLW test split ===')
    print(table)
    print(f"FR@0.1 {metrics['FR@0.1'] * 100:.2f} %   AUC@0.1 {metrics['AUC@0.1'] * 100:.2f} %")
    print('model NME is at most half the mean-shape baseline in every set: '
          + ('yes' if learned else 'NO'))
    shown = sorted(glob.glob(osp.join(args.work_dir, '*', 'vis_test', '*.jpg')))
    print('\nfiles in', args.work_dir)
    for name in ('metrics.json', 'predictions.json', 'ced_curves.png'):
        path = osp.join(args.work_dir, name)
        print(f"  {name:<18} {'written' if osp.isfile(path) else 'MISSING'}")
    print(f'  images of predicted landmarks: {len(shown)} files, e.g. {shown[0] if shown else "-"}')
    if args.seconds is not None:
        print(f'\nmake demo took {args.seconds // 60} min {args.seconds % 60} s')
    if not learned:
        sys.exit(1)


if __name__ == '__main__':
    sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('work_dir')
    parser.add_argument('--seconds', type=int)
    from mmpose_face.apis.cli import run_tool
    sys.exit(run_tool(main, parser.parse_args()))
