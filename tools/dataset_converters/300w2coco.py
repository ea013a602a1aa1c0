"""Convert the 300W release (iBUG .pts files) into mmpose's COCO-style JSON files.

    python tools/dataset_converters/300w2coco.py ROOT OUT

ROOT holds afw/, helen/, ibug/, lfpw/ and 300W/ (the private test set);
OUT gets annotations/face_landmarks_300w_{train,valid,valid_common,
valid_challenge,test}.json and images -> ROOT. See
mmpose_face/data_preparation/face300w_release_converter.py.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from mmpose_face.data_preparation.face300w_release_converter import convert_300w  # noqa: E402
from mmpose_face.errors import ReleaseFormatError  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('release_root', help='holds afw/, helen/, ibug/, lfpw/, 300W/')
    parser.add_argument('out_root', help='gets annotations/ and the images link')
    args = parser.parse_args(argv)
    try:
        written = convert_300w(args.release_root, args.out_root)
    except (ReleaseFormatError, OSError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    for name, path in written.items():
        print(f'{name}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
