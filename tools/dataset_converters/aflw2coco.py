"""Convert AFLW-19 (AFLWinfo_release.mat + the AFLW images) into mmpose's COCO-style JSON files.

    python tools/dataset_converters/aflw2coco.py ROOT OUT [--num-train 20000]

ROOT holds AFLWinfo_release.mat and data/flickr/; OUT gets
annotations/face_landmarks_aflw_{train,test,test_frontal}.json and
images -> ROOT/data/flickr. See
mmpose_face/data_preparation/aflw_release_converter.py.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.aflw_release_converter import NUM_TRAIN, convert_aflw  # noqa: E402
from mmpose_face.data_preparation.converter_cli import converter_parser, run_converter  # noqa: E402


def main(argv=None):
    parser = converter_parser(__doc__, 'holds AFLWinfo_release.mat and data/flickr/',
                              'gets annotations/ and the images link')
    parser.add_argument('--num-train', type=int, default=NUM_TRAIN,
                        help=f'faces of "ra" that are train (the release: {NUM_TRAIN})')
    args = parser.parse_args(argv)
    return run_converter(lambda: convert_aflw(args.release_root, args.out_root, num_train=args.num_train))


if __name__ == '__main__':
    sys.exit(main())
