"""Check COCO-WholeBody's JSON files for the face part and place them for mmpose's configs.

    python tools/dataset_converters/coco_wholebody_face_check.py ROOT OUT

ROOT holds annotations/coco_wholebody_{train,val}_v1.0.json and
{train,val}2017/; OUT gets the checked files (unchanged) and links to the
image folders (nothing is copied when OUT is ROOT). See
mmpose_face/data_preparation/coco_wholebody_face_converter.py.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.coco_wholebody_face_converter import convert_coco_wholebody_face  # noqa: E402
from mmpose_face.errors import ReleaseFormatError  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('release_root', help='holds annotations/ and train2017/, val2017/')
    parser.add_argument('out_root', help='gets annotations/ and the image folder links')
    args = parser.parse_args(argv)
    try:
        counts = convert_coco_wholebody_face(args.release_root, args.out_root)
    except (ReleaseFormatError, OSError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    for split, count in counts.items():
        print(f'{split}: {count["file"]} ({count["images"]} images, {count["annotations"]} annotations, '
              f'{count["valid_faces"]} valid faces)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
