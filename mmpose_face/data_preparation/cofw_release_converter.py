"""Convert COFW's ``.mat`` release (images inside) into mmpose's COCO-style annotation files.

Input (Burgos-Artizzu et al., ICCV 2013, the colour version)::

    ROOT/COFW_train_color.mat    IsTr, phisTr, bboxesTr   (1,345 faces)
    ROOT/COFW_test_color.mat     IsT,  phisT,  bboxesT    (507 faces)

``Is*``: a cell of images (H x W x 3 RGB, or H x W grey, uint8); ``phis*``:
one row per face of 87 numbers, the 29 x (1-based MATLAB pixels), the 29 y,
then 29 occlusion flags (1 = occluded); ``bboxes*``: one row ``x y w h`` per
face. The files are MATLAB v7.3 (HDF5, read with h5py); v5 files (scipy) are
read too.

Output (the files mmpose 1.x's COFW configs read)::

    OUT/images/000001.jpg ...          one per face, numbered train then test
    OUT/annotations/cofw_train.json
    OUT/annotations/cofw_test.json

As in mmpose's files: keypoints shifted to 0-based pixels, v = 2 visible /
1 occluded, negative values clipped to 0, ``bbox`` the release box, ids
counting from 1 over both splits. Bad input stops the run with
:class:`ReleaseFormatError` naming the file and the face before anything
is written.
"""
from pathlib import Path

import cv2
import numpy as np

from mmpose_face.errors import ReleaseFormatError

from .coco_face_annotations import coco_document
from .staged_output import staged_output

NUM_KEYPOINTS = 29
SPLITS = ('train', 'test')
RELEASE_FILES = {'train': 'COFW_train_color.mat', 'test': 'COFW_test_color.mat'}
# Variable names inside each file: images, landmarks + occlusion, boxes.
MAT_KEYS = {'train': ('IsTr', 'phisTr', 'bboxesTr'), 'test': ('IsT', 'phisT', 'bboxesT')}
OUT_IMAGE_DIR = 'images'
OUT_ANNOTATION_DIR = 'annotations'


def annotation_file(annotation_dir, split):
    """Path of mmpose's ``cofw_{split}.json``."""
    return Path(annotation_dir) / f'cofw_{split}.json'


HDF5_SIGNATURE = b'\x89HDF\r\n\x1a\n'


def is_hdf5_file(path):
    """Whether ``path`` is HDF5 (MATLAB v7.3): the signature sits at 0 or after a 512, 1024, ... byte user block."""
    with open(path, 'rb') as file:
        head = file.read(4096)
    return any(head[offset:offset + 8] == HDF5_SIGNATURE for offset in (0, 512, 1024, 2048))


def _read_hdf5(mat_file, keys):
    try:
        import h5py
    except ImportError as error:   # an optional dependency of this converter only
        raise ReleaseFormatError(mat_file, None, 'is a MATLAB v7.3 (HDF5) file; reading it needs h5py '
                                 '(pip install h5py)') from error
    try:
        with h5py.File(mat_file, 'r') as mat:
            missing = [key for key in keys if key not in mat]
            if missing:
                raise ReleaseFormatError(mat_file, None,
                                         f'variables {missing} not found (has {sorted(mat.keys())})')
            image_key, phis_key, boxes_key = keys
            references = np.array(mat[image_key]).ravel()
            if references.dtype != h5py.ref_dtype:
                raise ReleaseFormatError(mat_file, None, f'{image_key} holds {references.dtype} values, expected '
                                         'a cell of images (object references)')
            # MATLAB stores column-major: every array comes back transposed.
            images = []
            for index, reference in enumerate(references):
                if not reference:
                    raise ReleaseFormatError(mat_file, None, f'face {index + 1}: {image_key} holds an empty '
                                             'reference, expected an image')
                images.append(np.array(mat[reference]).T)
            return images, np.array(mat[phis_key]).T, np.array(mat[boxes_key]).T
    except ReleaseFormatError:
        raise
    except (OSError, KeyError, ValueError, TypeError, AttributeError) as error:  # h5py on a damaged file
        raise ReleaseFormatError(mat_file, None, f'cannot read as a MATLAB v7.3 (HDF5) file: {error}') from None


def _read_v5(mat_file, keys):
    import scipy.io
    try:
        mat = scipy.io.loadmat(str(mat_file))
    except (ValueError, NotImplementedError, OSError, TypeError, KeyError, IndexError, AttributeError,
            OverflowError, MemoryError) as error:   # what scipy raises on a damaged file
        raise ReleaseFormatError(mat_file, None, f'cannot read as a MATLAB file: {error}') from None
    missing = [key for key in keys if key not in mat]
    if missing:
        raise ReleaseFormatError(mat_file, None, f'variables {missing} not found')
    image_key, phis_key, boxes_key = keys
    return list(np.asarray(mat[image_key]).ravel()), mat[phis_key], mat[boxes_key]


def read_cofw_mat(mat_file, split):
    """Images, landmarks and boxes of one COFW file.

    Returns:
        tuple: images (list of (H, W, 3) RGB or (H, W) uint8), keypoints
        (N, 29, 2) 1-based pixels as in the file, occluded (N, 29) bool,
        boxes (N, 4) ``x y w h``.

    Raises:
        ReleaseFormatError: the file is missing or not COFW's layout; the
            message names the file and the face (1-based, as in MATLAB).
    """
    mat_file = Path(mat_file)
    if not mat_file.is_file():
        raise ReleaseFormatError(mat_file, None, f'file not found; expected the COFW release {RELEASE_FILES[split]}')
    reader = _read_hdf5 if is_hdf5_file(mat_file) else _read_v5
    images, phis, boxes = reader(mat_file, MAT_KEYS[split])
    try:
        phis, boxes = np.asarray(phis, dtype=np.float64), np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError):
        raise ReleaseFormatError(mat_file, None, f'{MAT_KEYS[split][1]} and {MAT_KEYS[split][2]} must be numeric '
                                 'matrices') from None
    if phis.ndim != 2 or phis.shape[1] != 3 * NUM_KEYPOINTS:
        raise ReleaseFormatError(mat_file, None, f'{MAT_KEYS[split][1]} has shape {phis.shape}, expected '
                                 f'(faces, {3 * NUM_KEYPOINTS}): 29 x, 29 y, 29 occlusion flags per face')
    if boxes.shape != (len(phis), 4):
        raise ReleaseFormatError(mat_file, None, f'{MAT_KEYS[split][2]} has shape {boxes.shape}, expected '
                                 f'({len(phis)}, 4)')
    if len(images) != len(phis):
        raise ReleaseFormatError(mat_file, None, f'{len(images)} images for {len(phis)} faces')
    for index, (image, row, box) in enumerate(zip(images, phis, boxes)):
        where = f'face {index + 1}'
        image = np.asarray(image)
        if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)) or (
                min(image.shape[:2]) == 0):
            raise ReleaseFormatError(mat_file, None, f'{where}: image of shape {image.shape} and type '
                                     f'{image.dtype}, expected H x W (x 3) uint8 with H, W > 0')
        if not (np.all(np.isfinite(row)) and np.all(np.isfinite(box))):
            raise ReleaseFormatError(mat_file, None, f'{where}: landmarks or box hold non-finite values')
        flags = row[2 * NUM_KEYPOINTS:]
        if not np.all((flags == 0) | (flags == 1)):
            raise ReleaseFormatError(mat_file, None, f'{where}: occlusion flags must be 0 or 1, got '
                                     f'{sorted(set(flags.tolist()))}')
    keypoints = np.stack([phis[:, :NUM_KEYPOINTS], phis[:, NUM_KEYPOINTS:2 * NUM_KEYPOINTS]], axis=-1)
    occluded = phis[:, 2 * NUM_KEYPOINTS:].astype(bool)
    return [np.asarray(image) for image in images], keypoints, occluded, boxes


def build_annotation(face_id, keypoints, occluded, box):
    """mmpose's COFW annotation of one face: 0-based keypoints, v = 2 - occluded, clipped at 0."""
    xy = np.maximum(np.asarray(keypoints, dtype=np.float64) - 1, 0)
    triplets = np.concatenate([xy, (2 - np.asarray(occluded, dtype=np.float64))[:, None]], axis=1)
    bbox = np.maximum(np.asarray(box, dtype=np.float64), 0).tolist()
    return dict(keypoints=triplets.ravel().tolist(), image_id=face_id, id=face_id, num_keypoints=NUM_KEYPOINTS,
                bbox=bbox, iscrowd=0, area=bbox[2] * bbox[3], category_id=1)


def convert_cofw(release_root, out_root):
    """Convert COFW's two ``.mat`` files into mmpose's layout (images extracted as JPEG).

    Both files are read and checked, then images and JSON are written to a
    staging folder and swapped in (:mod:`.staged_output`): a failed run
    leaves an earlier conversion in ``out_root`` as it was.

    Returns:
        dict[str, Path]: split -> the JSON file written.
    """
    release_root, out_root = Path(release_root), Path(out_root)
    read = {split: read_cofw_mat(release_root / RELEASE_FILES[split], split) for split in SPLITS}
    face_id = 0
    written = {}
    with staged_output(out_root) as stage:
        for split in SPLITS:
            images, keypoints, occluded, boxes = read[split]
            image_records, annotations = [], []
            for index, (image, face_keypoints, face_occluded, box) in enumerate(
                    zip(images, keypoints, occluded, boxes)):
                face_id += 1
                file_name = f'{face_id:06d}.jpg'
                target = stage.path(Path(OUT_IMAGE_DIR) / file_name)
                try:
                    pixels = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
                    encoded = cv2.imwrite(str(target), pixels)
                except cv2.error as error:
                    raise ReleaseFormatError(release_root / RELEASE_FILES[split], None,
                                             f'face {index + 1}: its image cannot be written as JPEG: '
                                             f'{str(error).strip().splitlines()[-1]}') from None
                if not encoded:
                    raise OSError(f'could not write image {stage.final(Path(OUT_IMAGE_DIR) / file_name)}')
                image_records.append(dict(id=face_id, file_name=file_name, height=int(image.shape[0]),
                                          width=int(image.shape[1])))
                annotations.append(build_annotation(face_id, face_keypoints, face_occluded, box))
            written[split] = stage.write_json(annotation_file(OUT_ANNOTATION_DIR, split),
                                              coco_document(image_records, annotations))
    return written
