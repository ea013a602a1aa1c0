"""Write the augmented training samples of a config as pictures.

``python tools/misc/browse_dataset.py CONFIG [--output-dir DIR] [--max-items N] [--phase train]``

Each picture is a crop exactly as the network sees it after the pipeline
(flip, shift, scale, rotation, affine crop), enlarged, with the training
targets (``gt_instance_labels``) drawn; points without weight are left out.
"""
import argparse
import os
import sys


def parse_args():
    parser = argparse.ArgumentParser(description='Write augmented samples of a data set as images')
    parser.add_argument('config', help='config file')
    parser.add_argument('--output-dir', default='work_dirs/browse_dataset', help='default: %(default)s')
    parser.add_argument('--max-items', type=int, default=20, help='number of samples (default: %(default)s)')
    parser.add_argument('--phase', default='train', choices=['train', 'val', 'test'],
                        help='which data loader\'s data set and pipeline (default: %(default)s)')
    parser.add_argument('--seed', type=int, help='random seed of the augmentation')
    return parser.parse_args()


def main(args):
    from mmpose_face import compat
    from mmpose_face.visualization import browse_dataset
    if args.seed is not None:
        from mmengine.runner import set_random_seed
        set_random_seed(args.seed)
    config = compat.config_fromfile(args.config)  # mmpose_face:: bases from any folder
    written = browse_dataset(config, args.output_dir, args.max_items, args.phase)
    print(f'wrote {len(written)} samples to {args.output_dir}')


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from mmpose_face.apis.cli import run_tool
    sys.exit(run_tool(main, parse_args()))
