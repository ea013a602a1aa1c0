"""Convert the official WFLW release into mmpose's COCO-style JSON files.

From the release (writes OUT/annotations/face_landmarks_wflw_{train,test}.json
and links OUT/images to ROOT/WFLW_images)::

    python tools/dataset_converters/wflw2coco.py ROOT OUT [--copy-images]

From mmpose's pre-converted files (adds ``attributes`` to
face_landmarks_wflw_test.json using the face_landmarks_wflw_test_<subset>.json
files beside it)::

    python tools/dataset_converters/wflw2coco.py --from-json ANNOTATION_DIR \
        [--out FILE]

Run from the repository root with ``PYTHONPATH=.`` unless mmpose_face is
installed.
"""
import argparse
import sys

from mmpose_face.data_preparation.wflw_release_converter import (
    WFLWFormatError, add_attributes_from_subset_files, convert_wflw)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='Convert WFLW annotations to mmpose COCO-style JSON.')
    parser.add_argument(
        'release_root', nargs='?',
        help='official release: holds WFLW_images/ and WFLW_annotations/')
    parser.add_argument('out_root', nargs='?',
                        help='gets annotations/ and images/')
    parser.add_argument('--copy-images', action='store_true',
                        help='copy the images instead of linking out/images')
    parser.add_argument(
        '--from-json', metavar='ANNOTATION_DIR',
        help='add attributes to an existing face_landmarks_wflw_test.json '
        'from the per-subset files in this directory')
    parser.add_argument(
        '--out', metavar='FILE',
        help='with --from-json: write here instead of in place')
    parser.add_argument('--no-progress', action='store_true',
                        help='hide progress bars')
    args = parser.parse_args(argv)
    if args.from_json:
        if args.release_root or args.out_root or args.copy_images:
            parser.error('--from-json takes no release root, out root or '
                         '--copy-images')
    else:
        if not (args.release_root and args.out_root):
            parser.error('give RELEASE_ROOT and OUT_ROOT, or --from-json')
        if args.out:
            parser.error('--out only applies to --from-json')
    return args


def main(argv=None):
    args = parse_args(argv)
    try:
        if args.from_json:
            counts = add_attributes_from_subset_files(args.from_json,
                                                      args.out)
            print('faces per attribute: ' + ', '.join(
                f'{name} {count}' for name, count in counts.items()))
        else:
            written = convert_wflw(args.release_root, args.out_root,
                                   link_images=not args.copy_images,
                                   progress=not args.no_progress)
            for split, path in written.items():
                print(f'{split}: {path}')
    except (WFLWFormatError, OSError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
