"""Convert COFW's COFW_{train,test}_color.mat into mmpose's COCO-style JSON files.

    python tools/dataset_converters/cofw2coco.py ROOT OUT

OUT gets images/000001.jpg ... (extracted from the .mat files) and
annotations/cofw_{train,test}.json. See
mmpose_face/data_preparation/cofw_release_converter.py.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.cofw_release_converter import convert_cofw  # noqa: E402
from mmpose_face.data_preparation.converter_cli import converter_parser, run_converter  # noqa: E402


def main(argv=None):
    parser = converter_parser(__doc__, 'holds COFW_train_color.mat and COFW_test_color.mat',
                              'gets images/ and annotations/')
    args = parser.parse_args(argv)
    return run_converter(lambda: convert_cofw(args.release_root, args.out_root))


if __name__ == '__main__':
    sys.exit(main())
