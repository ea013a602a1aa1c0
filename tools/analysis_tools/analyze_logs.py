"""Training curves from mmengine's logs.

``python tools/analysis_tools/analyze_logs.py plot_curve LOG [LOG ...] [--keys loss_kpt lr NME] --out curves.png``

LOG: ``{work_dir}/{timestamp}/vis_data/scalars.json`` (or the
``{timestamp}.json`` beside it). Training keys (``loss``, ``loss_kpt``,
``lr``, ``time`` ...) are drawn over iterations, validation keys (``NME``,
``FR@0.1``, ``AUC@0.1``) over epochs; one panel per key, one line per log.
"""
import argparse
import os
import sys


def parse_args():
    parser = argparse.ArgumentParser(description='Analyse training logs')
    commands = parser.add_subparsers(dest='command', required=True)
    plot = commands.add_parser('plot_curve', help='draw curves of logged values as PNG')
    plot.add_argument('log_files', nargs='+', help='vis_data/scalars.json of one or more runs')
    plot.add_argument('--keys', nargs='+', default=['loss_kpt', 'lr', 'NME'], help='default: %(default)s')
    plot.add_argument('--out', required=True, help='PNG file to write')
    plot.add_argument('--title', help='figure title')
    plot.add_argument('--legend', nargs='+', help='one name per log file (default: the run folder)')
    return parser.parse_args()


def main(args):
    from mmpose_face.visualization import plot_curves
    plot_curves(args.log_files, args.keys, args.out, title=args.title, legend=args.legend)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from mmpose_face.apis.cli import run_tool
    sys.exit(run_tool(main, parse_args()))
