"""Convert LaPa's landmark text files into mmpose's COCO-style JSON files.

    python tools/dataset_converters/lapa2coco.py ROOT OUT

ROOT holds {train,val,test}/{images,landmarks}/; OUT gets
annotations/lapa_{train,val,test,trainval}.json and links to the split
folders (none when OUT is ROOT). See
mmpose_face/data_preparation/lapa_release_converter.py.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.lapa_release_converter import convert_lapa  # noqa: E402
from mmpose_face.data_preparation.converter_cli import converter_parser, run_converter  # noqa: E402


def main(argv=None):
    parser = converter_parser(__doc__, 'holds train/, val/, test/',
                              'gets annotations/ (and split links)')
    args = parser.parse_args(argv)
    return run_converter(lambda: convert_lapa(args.release_root, args.out_root))


if __name__ == '__main__':
    sys.exit(main())
