"""Convert the 300W release (iBUG .pts files) into mmpose's COCO-style JSON files.

    python tools/dataset_converters/300w2coco.py ROOT OUT

ROOT holds afw/, helen/, ibug/, lfpw/ and 300W/ (the private test set);
OUT gets annotations/face_landmarks_300w_{train,valid,valid_common,
valid_challenge,test}.json and images -> ROOT. See
mmpose_face/data_preparation/face300w_release_converter.py.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.face300w_release_converter import convert_300w  # noqa: E402
from mmpose_face.data_preparation.converter_cli import converter_parser, run_converter  # noqa: E402


def main(argv=None):
    parser = converter_parser(__doc__, 'holds afw/, helen/, ibug/, lfpw/, 300W/',
                              'gets annotations/ and the images link')
    args = parser.parse_args(argv)
    return run_converter(lambda: convert_300w(args.release_root, args.out_root))


if __name__ == '__main__':
    sys.exit(main())
