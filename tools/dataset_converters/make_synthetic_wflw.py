"""Write a synthetic data set in the official WFLW release layout.

    python tools/dataset_converters/make_synthetic_wflw.py --out data/wflw_synthetic \
        --train 7500 --test 2500 --seed 0
    python tools/dataset_converters/make_synthetic_wflw.py --out data/wflw_like --sizes wflw \
        --train 300 --test 100    # WFLW's photo and face sizes, for benchmarks of the data path

See :mod:`mmpose_face.data_preparation.synthetic` for what is drawn.
"""
import argparse
import json
import sys
from pathlib import Path

# Let the tool run from a source checkout that is not pip-installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.synthetic.synthetic_wflw_release import make_synthetic_wflw  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='output folder (WFLW_images/, WFLW_annotations/ go here)')
    parser.add_argument('--train', type=int, default=7500, help='faces in the train split (WFLW: 7500)')
    parser.add_argument('--test', type=int, default=2500, help='faces in the test split (WFLW: 2500)')
    parser.add_argument('--seed', type=int, default=0, help='random seed; same seed, same files')
    parser.add_argument('--sizes', choices=('small', 'wflw'), default='small',
                        help="photo and face sizes: 'small' (256-320 px photos, quick) or 'wflw' (WFLW's: "
                             '1024 px wide photos, faces as in WFLW; see docs/benchmarks.md)')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        summary = make_synthetic_wflw(args.out, args.train, args.test, seed=args.seed,
                                      progress=not args.no_progress, sizes=args.sizes)
    except ValueError as error:
        sys.exit(f'error: {error}')
    print(json.dumps(summary, indent=2))


if __name__ == '__main__':
    main()
