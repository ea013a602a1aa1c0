"""Convert the 300W release (iBUG ``.pts`` files) into mmpose's COCO-style annotation files.

Input (the folders as distributed by iBUG; every image ``NAME.jpg`` or
``NAME.png`` has its ``NAME.pts`` beside it)::

    ROOT/afw/  ROOT/helen/trainset/  ROOT/lfpw/trainset/     train
    ROOT/helen/testset/  ROOT/lfpw/testset/                   common subset
    ROOT/ibug/                                                challenging subset
    ROOT/300W/01_Indoor/  ROOT/300W/02_Outdoor/               private test set

A ``.pts`` file (iBUG's format)::

    version: 1
    n_points:  68
    {
    x0 y0
    ...
    x67 y67
    }

Coordinates are kept as written (pixels).

Output (the files mmpose 1.x's 300W configs read)::

    OUT/annotations/face_landmarks_300w_train.json
    OUT/annotations/face_landmarks_300w_valid.json            common + challenging
    OUT/annotations/face_landmarks_300w_valid_common.json
    OUT/annotations/face_landmarks_300w_valid_challenge.json
    OUT/annotations/face_landmarks_300w_test.json             private (indoor + outdoor)
    OUT/images -> ROOT                                        (symlink)

Each annotation has mmpose's fields (``keypoints``, ``center``, ``scale``
from the landmark box, ``bbox``, ...) and, outside train, ``subset``: one
of ``'common'``, ``'challenging'``, ``'private'``. Bad input stops the run
with :class:`ReleaseFormatError` naming ``file:line: reason`` before
anything is written. Image and annotation ids are numbered once over the
whole release (train, common, challenging, private), so they are unique
across the files and a face in two files (``valid``, ``valid_common``) has
one id. The output is staged (:mod:`.staged_output`): a failed run leaves
``OUT`` as it was.
"""
import math
from pathlib import Path

from mmpose_face.errors import ReleaseFormatError

from .coco_face_annotations import (coco_document, crop_from_landmarks, image_records, keypoint_triplets,
                                    number_faces, read_image_size)
from .staged_output import staged_output

NUM_KEYPOINTS = 68
SUBSET_FOLDERS = {
    'train': ('afw', 'helen/trainset', 'lfpw/trainset'),
    'common': ('helen/testset', 'lfpw/testset'),
    'challenging': ('ibug',),
    'private': ('300W/01_Indoor', '300W/02_Outdoor'),
}
# mmpose's file name suffix -> the subsets it holds.
OUTPUT_FILES = {
    'train': ('train',),
    'valid': ('common', 'challenging'),
    'valid_common': ('common',),
    'valid_challenge': ('challenging',),
    'test': ('private',),
}
IMAGE_SUFFIXES = ('.jpg', '.png', '.jpeg')
OUT_IMAGE_DIR = 'images'
OUT_ANNOTATION_DIR = 'annotations'


def annotation_file(annotation_dir, name):
    """Path of mmpose's ``face_landmarks_300w_{name}.json``."""
    return Path(annotation_dir) / f'face_landmarks_300w_{name}.json'


def parse_pts(text, source='<string>', num_points=NUM_KEYPOINTS):
    """Landmarks of one ``.pts`` file's text: a list of ``num_points`` (x, y) pixel pairs.

    Raises:
        ReleaseFormatError: naming ``source:line`` for a missing header, a
            point count other than ``num_points``, a missing brace, a line
            that is not two finite numbers, or too few / too many points.
    """
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines or not lines[0].strip().startswith('version:'):
        raise ReleaseFormatError(source, 1, "expected the header line 'version: 1'")
    header = lines[1].split(':') if len(lines) > 1 else []
    if len(header) != 2 or header[0].strip() != 'n_points':
        raise ReleaseFormatError(source, 2, f"expected 'n_points: {num_points}'")
    try:
        count = int(header[1])
    except ValueError:
        count = None
    if count != num_points:
        raise ReleaseFormatError(source, 2, f'n_points is {header[1].strip()!r}, the 300W layout has {num_points}')
    if len(lines) < 3 or lines[2].strip() != '{':
        raise ReleaseFormatError(source, 3, "expected '{'")
    if len(lines) != num_points + 4 or lines[-1].strip() != '}':
        raise ReleaseFormatError(source, len(lines),
                                 f"expected {num_points} point lines between '{{' (line 3) and a closing '}}', "
                                 f'found {len(lines)} lines in all')
    points = []
    for line_number in range(4, 4 + num_points):
        fields = lines[line_number - 1].split()
        values = []
        for text_value in fields:
            try:
                values.append(float(text_value))
            except ValueError:
                values.append(math.nan)
        if len(values) != 2 or not all(math.isfinite(v) for v in values):
            raise ReleaseFormatError(source, line_number,
                                     f'point {line_number - 4}: expected two finite numbers "x y", '
                                     f'got {lines[line_number - 1].strip()!r}')
        points.append((values[0], values[1]))
    return points


def _image_beside(pts_file):
    for suffix in IMAGE_SUFFIXES:
        candidate = pts_file.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    raise ReleaseFormatError(pts_file, None, f'no image beside it (looked for {", ".join(IMAGE_SUFFIXES)})')


def read_subset(release_root, subset):
    """Faces of one subset: a list of dicts ``file_name`` (relative to ROOT), ``width``,
    ``height``, ``keypoints`` ((68, 2) pixels), ``subset``; in folder then file name order.

    Raises:
        ReleaseFormatError: a folder of the subset is missing or has no
            ``.pts`` file, or a file is malformed.
    """
    release_root = Path(release_root)
    faces = []
    for folder in SUBSET_FOLDERS[subset]:
        directory = release_root / folder
        if not directory.is_dir():
            raise ReleaseFormatError(directory, None,
                                     f'folder of the 300W {subset} set not found; expected the iBUG layout '
                                     f'{", ".join(SUBSET_FOLDERS[subset])} under {release_root}')
        pts_files = sorted(directory.glob('*.pts'))
        if not pts_files:
            raise ReleaseFormatError(directory, None, 'no .pts files in this folder')
        for pts_file in pts_files:
            keypoints = parse_pts(pts_file.read_text(encoding='utf-8', errors='replace'), pts_file)
            image_file = _image_beside(pts_file)
            width, height = read_image_size(image_file, pts_file)
            faces.append(dict(file_name=image_file.relative_to(release_root).as_posix(), width=width,
                              height=height, keypoints=keypoints, subset=subset))
    return faces


def build_document(faces):
    """A COCO-style dict of ``faces`` (from :func:`read_subset`, numbered by :func:`number_faces`)."""
    annotations = []
    for face in faces:
        crop = crop_from_landmarks(face['keypoints'])
        annotation = dict(image_id=face['image_id'], id=face['id'],
                          keypoints=keypoint_triplets(face['keypoints']), num_keypoints=NUM_KEYPOINTS,
                          bbox=crop['bbox'], iscrowd=0, area=crop['area'], category_id=1,
                          center=crop['center'], scale=crop['scale'])
        if face['subset'] != 'train':
            annotation['subset'] = face['subset']
        annotations.append(annotation)
    return coco_document(image_records(faces), annotations)


def convert_300w(release_root, out_root, link_images=True):
    """Convert the 300W release into mmpose's layout.

    Args:
        release_root (str | Path): holds afw/, helen/, ibug/, lfpw/, 300W/.
        out_root (str | Path): gets ``annotations/face_landmarks_300w_*.json``
            and ``images`` (a symlink to ``release_root``).
        link_images (bool): make the ``images`` link (False: JSON only).

    Returns:
        dict[str, Path]: mmpose's file name suffix -> the JSON file written.
    """
    release_root, out_root = Path(release_root), Path(out_root)
    faces = {subset: read_subset(release_root, subset) for subset in SUBSET_FOLDERS}
    number_faces([face for subset in SUBSET_FOLDERS for face in faces[subset]])  # ids unique over all files
    written = {}
    with staged_output(out_root) as stage:
        if link_images:
            stage.link_directory(release_root, OUT_IMAGE_DIR)
        for name, subsets in OUTPUT_FILES.items():
            document = build_document([face for subset in subsets for face in faces[subset]])
            written[name] = stage.write_json(annotation_file(OUT_ANNOTATION_DIR, name), document)
    return written
