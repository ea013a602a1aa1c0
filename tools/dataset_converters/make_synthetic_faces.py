"""Write a synthetic data set in a face benchmark's release format (and convert it).

    python tools/dataset_converters/make_synthetic_faces.py --layout 300w \
        --out data/synthetic_300w_release --train 300 --test 60 --seed 0 \
        [--convert-to data/synthetic_300w]

Layouts: 300w, cofw, aflw, lapa, coco_wholebody_face, wflw. With
--convert-to, the benchmark's converter then writes there what mmpose's
config for it reads (use that folder as the config's data_root). See
mmpose_face/data_preparation/synthetic/synthetic_benchmark_release.py.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.release_converters import convert_release  # noqa: E402
from mmpose_face.data_preparation.synthetic.synthetic_benchmark_release import (  # noqa: E402
    LAYOUTS, make_synthetic_face_dataset)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--layout', required=True, choices=LAYOUTS)
    parser.add_argument('--out', required=True, help='release folder to write')
    parser.add_argument('--train', type=int, default=300, help='faces in the train split')
    parser.add_argument('--test', type=int, default=60, help='faces in the test split (and LaPa val)')
    parser.add_argument('--seed', type=int, default=0, help='random seed; same seed, same files')
    parser.add_argument('--convert-to', help='also convert the release into this folder')
    args = parser.parse_args(argv)
    try:
        summary = make_synthetic_face_dataset(args.out, args.layout, args.train, args.test, seed=args.seed)
        if args.convert_to:
            options = {'aflw': dict(num_train=args.train), 'wflw': dict(progress=False)}.get(args.layout, {})
            written = convert_release(args.layout, args.out, args.convert_to, **options)
            if isinstance(written, dict):
                summary['converted'] = {name: str(value.get('file', '')) if isinstance(value, dict) else str(value)
                                        for name, value in written.items()}
    except (ValueError, OSError) as error:   # ReleaseFormatError is a ValueError
        print(f'error: {error}', file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
