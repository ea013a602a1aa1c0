"""Convert LaPa's landmark text files into mmpose's COCO-style annotation files.

Input (Liu et al., AAAI 2020, as distributed)::

    ROOT/{train,val,test}/images/NAME.jpg
    ROOT/{train,val,test}/landmarks/NAME.txt     (ROOT/*/labels/ is not read)

A landmark file: the first line is the number of points (106), then one
line ``x y`` (pixels) per point.

Output (the files mmpose 1.x's LaPa configs read, ``data_prefix=''``)::

    OUT/annotations/lapa_{train,val,test,trainval}.json
    OUT/{train,val,test} -> ROOT/{train,val,test}    (symlinks, unless OUT is ROOT)

As in mmpose's files: v = 2, ``bbox`` the tight landmark box, image
``file_name`` ``<split>/images/NAME.jpg``. Ids are numbered once over
train, val and test, so they are unique across the files (``trainval``
keeps train's and val's). The output is staged (:mod:`.staged_output`). Bad input stops the run with
:class:`ReleaseFormatError` naming ``file:line: reason`` before anything
is written.
"""
import math
from pathlib import Path

from mmpose_face.errors import ReleaseFormatError

from .coco_face_annotations import (coco_document, image_records, keypoint_triplets, landmark_box, number_faces,
                                    read_image_size)
from .staged_output import staged_output

NUM_KEYPOINTS = 106
SPLITS = ('train', 'val', 'test')
# mmpose's output name -> the release splits it holds.
OUTPUT_FILES = {'train': ('train',), 'val': ('val',), 'test': ('test',), 'trainval': ('train', 'val')}
OUT_ANNOTATION_DIR = 'annotations'


def annotation_file(annotation_dir, name):
    """Path of mmpose's ``lapa_{name}.json``."""
    return Path(annotation_dir) / f'lapa_{name}.json'


def parse_landmark_file(text, source='<string>', num_points=NUM_KEYPOINTS):
    """A list of ``num_points`` (x, y) pixel pairs from a LaPa landmark file's text.

    Raises:
        ReleaseFormatError: naming ``source:line`` for a count line other
            than ``num_points``, a line that is not two finite numbers, or a
            wrong number of point lines.
    """
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or lines[0].strip() != str(num_points):
        got = lines[0].strip() if lines else ''
        raise ReleaseFormatError(source, 1, f'first line must be the point count {num_points}, got {got!r}')
    if len(lines) != num_points + 1:
        raise ReleaseFormatError(source, len(lines), f'expected {num_points} point lines after the count, '
                                 f'found {len(lines) - 1}')
    points = []
    for line_number, line in enumerate(lines[1:], start=2):
        values = []
        for text_value in line.split():
            try:
                values.append(float(text_value))
            except ValueError:
                values.append(math.nan)
        if len(values) != 2 or not all(math.isfinite(v) for v in values):
            raise ReleaseFormatError(source, line_number, f'point {line_number - 2}: expected two finite '
                                     f'numbers "x y", got {line.strip()!r}')
        points.append((values[0], values[1]))
    return points


def read_split(release_root, split):
    """Faces of one split, in file name order: dicts ``file_name``, ``width``, ``height``, ``keypoints``."""
    landmark_dir = Path(release_root) / split / 'landmarks'
    if not landmark_dir.is_dir():
        raise ReleaseFormatError(landmark_dir, None, 'folder not found; expected the LaPa layout '
                                 '<root>/{train,val,test}/{images,landmarks}/')
    landmark_files = sorted(landmark_dir.glob('*.txt'))
    if not landmark_files:
        raise ReleaseFormatError(landmark_dir, None, 'no .txt landmark files in this folder')
    faces = []
    for landmark_file in landmark_files:
        keypoints = parse_landmark_file(landmark_file.read_text(encoding='utf-8', errors='replace'), landmark_file)
        file_name = f'{split}/images/{landmark_file.stem}.jpg'
        width, height = read_image_size(Path(release_root) / file_name, landmark_file)
        faces.append(dict(file_name=file_name, width=width, height=height, keypoints=keypoints))
    return faces


def build_document(faces):
    """A COCO-style dict of ``faces`` (numbered by :func:`number_faces`): one image per face."""
    annotations = []
    for face in faces:
        bbox = landmark_box(face['keypoints'])
        annotations.append(dict(keypoints=keypoint_triplets(face['keypoints']), image_id=face['image_id'],
                                id=face['id'], num_keypoints=NUM_KEYPOINTS, bbox=bbox, iscrowd=0,
                                area=bbox[2] * bbox[3], category_id=1))
    return coco_document(image_records(faces), annotations)


def convert_lapa(release_root, out_root):
    """Convert LaPa into mmpose's layout.

    Returns:
        dict[str, Path]: ``'train'``, ``'val'``, ``'test'``, ``'trainval'`` -> the JSON file written.
    """
    release_root, out_root = Path(release_root), Path(out_root)
    faces = {split: read_split(release_root, split) for split in SPLITS}
    number_faces([face for split in SPLITS for face in faces[split]])  # ids unique over all files
    written = {}
    with staged_output(out_root) as stage:
        if release_root.resolve() != out_root.resolve():
            for split in SPLITS:
                stage.link_directory(release_root / split, split)
        for name, splits in OUTPUT_FILES.items():
            document = build_document([face for split in splits for face in faces[split]])
            written[name] = stage.write_json(annotation_file(OUT_ANNOTATION_DIR, name), document)
    return written
