"""Convert AFLW-19 (``AFLWinfo_release.mat``) into mmpose's COCO-style annotation files.

Input: the AFLW images and the 19-point annotation list of Zhu et al.
(CVPR 2016), which mmpose's AFLW files follow::

    ROOT/data/flickr/<0|2|3>/imageNNNNN.jpg      the AFLW images
    ROOT/AFLWinfo_release.mat                    (MATLAB v5)
        bbox      (N, 4)  face box: left, right, top, bottom (pixels)
        data      (N, 38) landmarks: x1 ... x19, y1 ... y19 (pixels)
        mask_new  (N, 19) 1 where a landmark is visible
        nameList  (N, 1)  image path relative to data/flickr/
        ra        (1, N)  a permutation of 1..N: the first 20,000 faces are
                          train, the other 4,386 test

The frontal test subset is the test faces with all 19 landmarks visible.

Output (the files mmpose 1.x's AFLW configs read)::

    OUT/annotations/face_landmarks_aflw_train.json
    OUT/annotations/face_landmarks_aflw_test.json
    OUT/annotations/face_landmarks_aflw_test_frontal.json
    OUT/images -> ROOT/data/flickr                (symlink)

Each annotation holds mmpose's fields with ``center``/``scale`` from the
face box (its centre; its longer side / 200), ``bbox`` the face box as
``[x, y, w, h]``, ``box_size`` = sqrt(w * h) of the face box (pixels, the
NME normaliser of AFLW), and ``frontal`` (bool). Landmarks are kept as
written; v = 2 visible, 1 not. Image and annotation ids are unique across
the three files (train's, then test's; ``test_frontal`` keeps test's). Bad
input stops the run with :class:`ReleaseFormatError` naming the file and
the face before anything is written; the output is staged
(:mod:`.staged_output`), so a failed run leaves ``OUT`` as it was.
"""
import math
from pathlib import Path, PurePosixPath

import numpy as np

from mmpose_face.errors import ReleaseFormatError

from .coco_face_annotations import PIXEL_STD, coco_document, keypoint_triplets, read_image_size, subset_document
from .staged_output import staged_output

NUM_KEYPOINTS = 19
NUM_TRAIN = 20000   # the published split: ra[:20000] train, the rest test
RELEASE_FILE = 'AFLWinfo_release.mat'
RELEASE_IMAGE_DIR = 'data/flickr'
OUT_IMAGE_DIR = 'images'
OUT_ANNOTATION_DIR = 'annotations'
FIELDS = ('bbox', 'data', 'mask_new', 'nameList', 'ra')


def annotation_file(annotation_dir, name):
    """Path of mmpose's ``face_landmarks_aflw_{name}.json``."""
    return Path(annotation_dir) / f'face_landmarks_aflw_{name}.json'


def _name(entry):
    """A nameList cell (nested arrays from scipy) as a str."""
    while isinstance(entry, np.ndarray):
        if entry.size != 1:
            return None
        entry = entry.ravel()[0]
    return entry if isinstance(entry, str) else None


def read_aflw_info(mat_file):
    """The release's arrays, checked.

    Returns:
        dict: ``boxes`` (N, 4) left, right, top, bottom; ``keypoints``
        (N, 19, 2); ``visible`` (N, 19) bool; ``names`` [N] str;
        ``order`` (N,) 0-based face indices (``ra - 1``).

    Raises:
        ReleaseFormatError: naming the file and the face (1-based).
    """
    import scipy.io
    mat_file = Path(mat_file)
    if not mat_file.is_file():
        raise ReleaseFormatError(mat_file, None, f'file not found; expected <root>/{RELEASE_FILE}')
    try:
        mat = scipy.io.loadmat(str(mat_file))
    except (ValueError, NotImplementedError, OSError) as error:
        raise ReleaseFormatError(mat_file, None, f'cannot read as a MATLAB v5 file: {error}') from error
    missing = [field for field in FIELDS if field not in mat]
    if missing:
        raise ReleaseFormatError(mat_file, None, f'variables {missing} not found')
    boxes = np.asarray(mat['bbox'], dtype=np.float64)
    data = np.asarray(mat['data'], dtype=np.float64)
    mask = np.asarray(mat['mask_new'])
    count = len(boxes)
    for field, array, columns in (('bbox', boxes, 4), ('data', data, 2 * NUM_KEYPOINTS),
                                  ('mask_new', mask, NUM_KEYPOINTS)):
        if array.shape != (count, columns):
            raise ReleaseFormatError(mat_file, None, f'{field} has shape {array.shape}, expected ({count}, {columns})')
    names = [_name(entry) for entry in np.asarray(mat['nameList'], dtype=object).ravel()]
    if len(names) != count:
        raise ReleaseFormatError(mat_file, None, f'nameList has {len(names)} entries for {count} faces')
    order = np.asarray(mat['ra']).ravel()
    if sorted(order.tolist()) != list(range(1, count + 1)):
        raise ReleaseFormatError(mat_file, None, f'ra must be a permutation of 1..{count}')
    for index in range(count):
        where = f'face {index + 1}'
        if names[index] is None:
            raise ReleaseFormatError(mat_file, None, f'{where}: nameList entry is not a string')
        path = PurePosixPath(names[index])
        if path.is_absolute() or '..' in path.parts:
            raise ReleaseFormatError(mat_file, None, f'{where}: image path {names[index]!r} must be relative '
                                     f'to {RELEASE_IMAGE_DIR}/')
        if not (np.all(np.isfinite(boxes[index])) and np.all(np.isfinite(data[index]))):
            raise ReleaseFormatError(mat_file, None, f'{where}: box or landmarks hold non-finite values')
        left, right, top, bottom = boxes[index]
        if right <= left or bottom <= top:
            raise ReleaseFormatError(mat_file, None, f'{where}: box (left, right, top, bottom) = '
                                     f'{boxes[index].tolist()} is empty')
        if not np.all((mask[index] == 0) | (mask[index] == 1)):
            raise ReleaseFormatError(mat_file, None, f'{where}: mask_new must be 0 or 1')
    keypoints = np.stack([data[:, :NUM_KEYPOINTS], data[:, NUM_KEYPOINTS:]], axis=-1)
    return dict(boxes=boxes, keypoints=keypoints, visible=mask.astype(bool), names=names,
                order=order.astype(np.int64) - 1)


def build_annotation(image_id, annotation_id, keypoints, visible, box):
    """mmpose's AFLW annotation of one face; ``box`` is left, right, top, bottom (pixels)."""
    left, right, top, bottom = (float(v) for v in box)
    width, height = right - left, bottom - top
    return dict(image_id=image_id, id=annotation_id, keypoints=keypoint_triplets(keypoints, visible),
                num_keypoints=NUM_KEYPOINTS, bbox=[left, top, width, height], iscrowd=0, area=width * height,
                category_id=1, center=[(left + right) / 2, (top + bottom) / 2],
                scale=max(width, height) / PIXEL_STD, box_size=math.sqrt(width * height),
                frontal=bool(np.all(visible)))


def build_document(info, faces, image_root, mat_file, ids):
    """A COCO-style dict of the face indices ``faces``; image sizes read from ``image_root``.

    ``ids`` (``{'images': {name: id}, 'annotations': count}``) is shared by
    every document of the release, so ids are unique across its files.
    """
    images, annotations, image_ids = [], [], ids['images']
    listed = set()
    for face in faces:
        name = info['names'][face]
        if name not in listed:
            width, height = read_image_size(Path(image_root) / name, mat_file)
            image_ids.setdefault(name, len(image_ids))
            listed.add(name)
            images.append(dict(id=image_ids[name], file_name=name, height=height, width=width))
        annotations.append(build_annotation(image_ids[name], ids['annotations'], info['keypoints'][face],
                                            info['visible'][face], info['boxes'][face]))
        ids['annotations'] += 1
    return coco_document(images, annotations)


def convert_aflw(release_root, out_root, num_train=NUM_TRAIN, link_images=True):
    """Convert AFLW-19 into mmpose's layout.

    Args:
        release_root (str | Path): holds ``AFLWinfo_release.mat`` and ``data/flickr/``.
        out_root (str | Path): gets ``annotations/`` and ``images``.
        num_train (int): faces of ``ra`` that are train (20,000 in the release).
        link_images (bool): make ``images`` a symlink to ``data/flickr``.

    Returns:
        dict[str, Path]: ``'train'``, ``'test'``, ``'test_frontal'`` -> the JSON file written.
    """
    release_root, out_root = Path(release_root), Path(out_root)
    mat_file = release_root / RELEASE_FILE
    info = read_aflw_info(mat_file)
    if not 0 < num_train < len(info['order']):
        raise ReleaseFormatError(mat_file, None, f'num_train={num_train} leaves no train or no test face '
                                 f'among {len(info["order"])}')
    image_root = release_root / RELEASE_IMAGE_DIR
    ids = dict(images={}, annotations=0)
    documents = {'train': build_document(info, info['order'][:num_train], image_root, mat_file, ids),
                 'test': build_document(info, info['order'][num_train:], image_root, mat_file, ids)}
    documents['test_frontal'] = subset_document(documents['test'], lambda annotation: annotation['frontal'])
    written = {}
    with staged_output(out_root) as stage:
        if link_images:
            stage.link_directory(image_root, OUT_IMAGE_DIR)
        for name, document in documents.items():
            written[name] = stage.write_json(annotation_file(OUT_ANNOTATION_DIR, name), document)
    return written
