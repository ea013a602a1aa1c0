"""Building blocks of mmpose's COCO-style face annotation files, shared by every converter.

mmpose's face data sets read ``{'images', 'annotations', 'categories'}``
files: an image record has ``id``, ``file_name`` (relative to the config's
``data_prefix['img']``), ``height`` and ``width``; an annotation has
``keypoints`` (K x [x, y, v], pixels), ``num_keypoints``, ``bbox``
(``[x, y, w, h]``, pixels), ``area``, ``iscrowd``, ``category_id``, and,
where the data set crops from them, ``center`` and ``scale`` (box side /
200). Converters fill these with the helpers here and write with
:func:`write_json_atomic`.
"""
import json
import math
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from mmpose_face.errors import ReleaseFormatError
from mmpose_face.fileio import write_atomically

# mmpose's crop convention: the landmark box enlarged by this factor about
# its centre gives `bbox`; `scale` is the box side in units of 200 pixels.
BBOX_ENLARGE = 1.2
PIXEL_STD = 200.0

FACE_CATEGORY = {
    'supercategory': 'person',
    'id': 1,
    'name': 'face',
    'keypoints': [],
    'skeleton': [],
}


def crop_from_landmarks(keypoints):
    """mmpose's published WFLW/300W crop fields, computed from the landmarks.

    ``center``/``scale`` use the landmark box rounded outwards to whole
    pixels; ``bbox`` is the unrounded landmark box enlarged 1.2x about its
    centre. The arithmetic order matches mmpose's WFLW files bit for bit.

    Args:
        keypoints: (K, 2) landmark x, y in pixels.

    Returns:
        dict: ``center`` [x, y] (pixels), ``scale`` (box side / 200),
        ``bbox`` [x, y, w, h] (pixels) and ``area`` (w * h, pixels^2).
    """
    xs = [float(x) for x, _ in keypoints]
    ys = [float(y) for _, y in keypoints]
    x_min, x_max, y_min, y_max = min(xs), max(xs), min(ys), max(ys)

    pixel_x_min, pixel_x_max = math.floor(x_min), math.ceil(x_max)
    pixel_y_min, pixel_y_max = math.floor(y_min), math.ceil(y_max)
    center = [(pixel_x_min + pixel_x_max) / 2, (pixel_y_min + pixel_y_max) / 2]
    scale = max(pixel_x_max - pixel_x_min,
                pixel_y_max - pixel_y_min) / PIXEL_STD

    center_x, center_y = (x_min + x_max) / 2, (y_min + y_max) / 2
    left = center_x - (center_x - x_min) * BBOX_ENLARGE
    right = center_x + (x_max - center_x) * BBOX_ENLARGE
    top = center_y - (center_y - y_min) * BBOX_ENLARGE
    bottom = center_y + (y_max - center_y) * BBOX_ENLARGE
    width, height = right - left, bottom - top
    return {
        'center': center,
        'scale': scale,
        'bbox': [left, top, width, height],
        'area': width * height,
    }


def landmark_box(keypoints):
    """The tight landmark box ``[x, y, w, h]`` (pixels) of (K, 2) keypoints."""
    xs = [float(x) for x, _ in keypoints]
    ys = [float(y) for _, y in keypoints]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def keypoint_triplets(keypoints, visible=None):
    """Flat ``[x0, y0, v0, x1, ...]``: v = 2 where visible, 1 where occluded (COCO's convention).

    Args:
        keypoints: (K, 2) pixels.
        visible: (K,) bools, or None for all visible.
    """
    visible = [True] * len(keypoints) if visible is None else list(visible)
    return [value for (x, y), seen in zip(keypoints, visible)
            for value in (float(x), float(y), 2 if seen else 1)]


def read_image_size(image_file, source, line=None, error_class=ReleaseFormatError):
    """(width, height) from an image header, without decoding pixels.

    Raises:
        error_class (a ReleaseFormatError): naming ``source`` (and ``line``)
            when the image is missing or unreadable.
    """
    image_file = Path(image_file)
    if not image_file.is_file():
        raise error_class(source, line, f'image not found: {image_file}')
    try:
        with Image.open(image_file) as image:
            return image.size
    except (UnidentifiedImageError, OSError) as error:
        raise error_class(
            source, line, f'cannot read image header of {image_file}: {error}') from error
    except Image.DecompressionBombError as error:  # the header claims more pixels than Pillow opens
        raise error_class(source, line, f'{image_file}: {error}') from None


def number_faces(faces):
    """Give each face dict an ``image_id`` (one per distinct ``file_name``) and an ``id``, 0-based in order.

    Numbered once over every face of a release, so that ids are unique
    across all the files written from it (a combined evaluation of two files
    then sees every face), and a face kept in two files has one id.
    """
    image_ids = {}
    for index, face in enumerate(faces):
        face['image_id'] = image_ids.setdefault(face['file_name'], len(image_ids))
        face['id'] = index
    return faces


def image_records(faces):
    """The ``images`` list of ``faces`` (numbered by :func:`number_faces`), one record per image."""
    records = {}
    for face in faces:
        records.setdefault(face['image_id'], dict(id=face['image_id'], file_name=face['file_name'],
                                                  height=face['height'], width=face['width']))
    return list(records.values())


def coco_document(images, annotations):
    """The top-level dict of a face annotation file."""
    return {'categories': [dict(FACE_CATEGORY)], 'images': images, 'annotations': annotations}


def subset_document(document, keep):
    """A copy of ``document`` with the annotations where ``keep(annotation)``, and their images."""
    annotations = [a for a in document['annotations'] if keep(a)]
    image_ids = {a['image_id'] for a in annotations}
    return coco_document([i for i in document['images'] if i['id'] in image_ids], annotations)


def write_json_atomic(data, path):
    """Write ``data`` as JSON so that ``path`` is either old or complete."""
    write_atomically(json.dumps(data).encode('utf-8'), str(path))


def load_json(path, error_class=ReleaseFormatError):
    """A JSON file's content; a missing file or bad JSON names the file (and line)."""
    path = Path(path)
    if not path.is_file():
        raise error_class(path, None, 'file not found')
    try:
        with open(path, encoding='utf-8') as file:
            return json.load(file)
    except json.JSONDecodeError as error:
        raise error_class(path, error.lineno, f'invalid JSON: {error.msg}') from error
    except UnicodeDecodeError as error:
        raise error_class(path, None, f'not UTF-8 text (byte offset {error.start}): not a JSON file') from None
    except RecursionError:
        raise error_class(path, None, 'invalid JSON: nested too deeply') from None
