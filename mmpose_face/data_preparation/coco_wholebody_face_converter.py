"""Check COCO-WholeBody's JSON files for the face part and put them where mmpose's configs read them.

COCO-WholeBody (Jin et al., ECCV 2020) ships COCO-style files that mmpose
reads as they are; its face data set uses, per annotation, ``face_kpts``
(68 x [x, y, v], pixels, the iBUG 68-point mark-up), ``face_box``
(``[x, y, w, h]``, pixels) and ``face_valid`` (bool), and per image
``file_name``, ``width``, ``height``. Input::

    ROOT/annotations/coco_wholebody_{train,val}_v1.0.json
    ROOT/{train2017,val2017}/*.jpg                     (COCO 2017 images)

Output (what mmpose 1.x's COCO-WholeBody-Face configs read)::

    OUT/annotations/coco_wholebody_{train,val}_v1.0.json   (the checked files, unchanged)
    OUT/{train2017,val2017} -> ROOT/{train2017,val2017}    (symlinks, unless OUT is ROOT)

The check stops at the first bad annotation with :class:`ReleaseFormatError`
naming the file and the annotation id (JSON syntax errors name the line).
"""
import math
import shutil
from pathlib import Path

from mmpose_face.errors import ReleaseFormatError

from .coco_face_annotations import load_json
from .staged_output import staged_output

NUM_FACE_KEYPOINTS = 68
SPLITS = ('train', 'val')
IMAGE_DIRS = {'train': 'train2017', 'val': 'val2017'}
OUT_ANNOTATION_DIR = 'annotations'


def annotation_file(annotation_dir, split):
    """Path of ``coco_wholebody_{split}_v1.0.json``."""
    return Path(annotation_dir) / f'coco_wholebody_{split}_v1.0.json'


def _finite_numbers(values, count):
    return (isinstance(values, list) and len(values) == count
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values))


def check_face_annotations(document, source):
    """Check the face fields of a COCO-WholeBody dict.

    Returns:
        dict: ``images``, ``annotations`` and ``valid_faces`` (annotations
        with ``face_valid`` and a labelled point: what mmpose's face data
        set keeps) counts.

    Raises:
        ReleaseFormatError: naming ``source`` and the image or annotation id.
    """
    if not isinstance(document, dict) or not all(isinstance(document.get(key), list)
                                                 for key in ('images', 'annotations')):
        raise ReleaseFormatError(source, None, 'expected a JSON object with "images" and "annotations" lists')
    image_ids = set()
    for image in document['images']:
        image_id = image.get('id') if isinstance(image, dict) else None
        if image_id is None or not isinstance(image.get('file_name'), str) or not all(
                isinstance(image.get(key), int) and image[key] > 0 for key in ('width', 'height')):
            raise ReleaseFormatError(source, None, f'image id {image_id}: needs "id", "file_name" and positive '
                                     'integer "width" and "height"')
        if image_id in image_ids:
            raise ReleaseFormatError(source, None, f'image id {image_id} appears twice')
        image_ids.add(image_id)
    valid_faces = 0
    annotation_ids = set()
    for annotation in document['annotations']:
        annotation_id = annotation.get('id') if isinstance(annotation, dict) else None
        where = f'annotation id {annotation_id}'
        if annotation_id is None or annotation_id in annotation_ids:
            raise ReleaseFormatError(source, None, f'{where}: missing or repeated id')
        annotation_ids.add(annotation_id)
        if annotation.get('image_id') not in image_ids:
            raise ReleaseFormatError(source, None, f'{where}: image_id {annotation.get("image_id")} is not in '
                                     '"images"')
        if not isinstance(annotation.get('face_valid'), bool):
            raise ReleaseFormatError(source, None, f'{where}: "face_valid" must be true or false')
        face_kpts = annotation.get('face_kpts')
        if not _finite_numbers(face_kpts, 3 * NUM_FACE_KEYPOINTS):
            size = len(face_kpts) if isinstance(face_kpts, list) else type(face_kpts).__name__
            raise ReleaseFormatError(source, None, f'{where}: "face_kpts" must be {3 * NUM_FACE_KEYPOINTS} '
                                     f'finite numbers (68 x [x, y, v]), got {size}')
        face_box = annotation.get('face_box')
        if not _finite_numbers(face_box, 4) or face_box[2] < 0 or face_box[3] < 0:
            raise ReleaseFormatError(source, None, f'{where}: "face_box" must be [x, y, w, h] with w, h >= 0, '
                                     f'got {face_box}')
        if annotation['face_valid'] and max(face_kpts) > 0:
            valid_faces += 1
    return dict(images=len(image_ids), annotations=len(annotation_ids), valid_faces=valid_faces)


def convert_coco_wholebody_face(release_root, out_root):
    """Check both splits, then copy the files to ``out_root/annotations`` and link the image folders.

    Returns:
        dict[str, dict]: split -> :func:`check_face_annotations`'s counts plus ``file`` (the output path).
    """
    release_root, out_root = Path(release_root), Path(out_root)
    sources = {split: annotation_file(release_root / OUT_ANNOTATION_DIR, split) for split in SPLITS}
    counts = {split: check_face_annotations(load_json(path), path) for split, path in sources.items()}
    same_place = release_root.resolve() == out_root.resolve()
    for split in SPLITS:
        image_dir = release_root / IMAGE_DIRS[split]
        if not image_dir.is_dir():
            raise ReleaseFormatError(image_dir, None, 'image folder not found')
        counts[split]['file'] = annotation_file(out_root / OUT_ANNOTATION_DIR, split)
    if same_place:
        return counts
    with staged_output(out_root) as stage:
        for split in SPLITS:
            stage.link_directory(release_root / IMAGE_DIRS[split], IMAGE_DIRS[split])
            shutil.copyfile(sources[split], stage.path(annotation_file(OUT_ANNOTATION_DIR, split)))
    return counts
