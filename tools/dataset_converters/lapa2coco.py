"""Convert LaPa's landmark text files into mmpose's COCO-style JSON files.

    python tools/dataset_converters/lapa2coco.py ROOT OUT

ROOT holds {train,val,test}/{images,landmarks}/; OUT gets
annotations/lapa_{train,val,test,trainval}.json and links to the split
folders (none when OUT is ROOT). See
mmpose_face/data_preparation/lapa_release_converter.py.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.lapa_release_converter import convert_lapa  # noqa: E402
from mmpose_face.errors import ReleaseFormatError  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('release_root', help='holds train/, val/, test/')
    parser.add_argument('out_root', help='gets annotations/ (and split links)')
    args = parser.parse_args(argv)
    try:
        written = convert_lapa(args.release_root, args.out_root)
    except (ReleaseFormatError, OSError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    for name, path in written.items():
        print(f'{name}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
