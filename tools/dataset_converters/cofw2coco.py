"""Convert COFW's COFW_{train,test}_color.mat into mmpose's COCO-style JSON files.

    python tools/dataset_converters/cofw2coco.py ROOT OUT

OUT gets images/000001.jpg ... (extracted from the .mat files) and
annotations/cofw_{train,test}.json. See
mmpose_face/data_preparation/cofw_release_converter.py.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.cofw_release_converter import convert_cofw  # noqa: E402
from mmpose_face.errors import ReleaseFormatError  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('release_root', help='holds COFW_train_color.mat and COFW_test_color.mat')
    parser.add_argument('out_root', help='gets images/ and annotations/')
    args = parser.parse_args(argv)
    try:
        written = convert_cofw(args.release_root, args.out_root)
    except (ReleaseFormatError, OSError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    for name, path in written.items():
        print(f'{name}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
