"""Check COCO-WholeBody's JSON files for the face part and place them for mmpose's configs.

    python tools/dataset_converters/coco_wholebody_face_check.py ROOT OUT

ROOT holds annotations/coco_wholebody_{train,val}_v1.0.json and
{train,val}2017/; OUT gets the checked files (unchanged) and links to the
image folders (nothing is copied when OUT is ROOT). See
mmpose_face/data_preparation/coco_wholebody_face_converter.py.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.coco_wholebody_face_converter import convert_coco_wholebody_face  # noqa: E402
from mmpose_face.data_preparation.converter_cli import converter_parser, run_converter  # noqa: E402


def face_counts(counts):
    return (f'{split}: {count["file"]} ({count["images"]} images, {count["annotations"]} annotations, '
            f'{count["valid_faces"]} valid faces)' for split, count in counts.items())


def main(argv=None):
    parser = converter_parser(__doc__, 'holds annotations/ and train2017/, val2017/',
                              'gets annotations/ and the image folder links')
    args = parser.parse_args(argv)
    return run_converter(lambda: convert_coco_wholebody_face(args.release_root, args.out_root), face_counts)


if __name__ == '__main__':
    sys.exit(main())
