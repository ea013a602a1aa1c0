"""Convert the official WFLW release into mmpose's COCO-style annotation files.

Input (the release as distributed by the WFLW authors)::

    ROOT/WFLW_images/<event dir>/<file>.jpg
    ROOT/WFLW_annotations/list_98pt_rect_attr_train_test/
        list_98pt_rect_attr_{train,test}.txt

One face per line, whitespace separated: 196 numbers (x, y of the 98
landmarks, pixels), the face rectangle ``x_min y_min x_max y_max`` (pixels),
six 0/1 flags (pose, expression, illumination, make-up, occlusion, blur) and
the image path relative to ``WFLW_images/``.

Output (the layout mmpose 1.x configs read)::

    OUT/annotations/face_landmarks_wflw_{train,test}.json
    OUT/images -> ROOT/WFLW_images            (symlink, or a copy)

Each annotation carries mmpose's fields (``keypoints``, ``center``,
``scale``, ``bbox``, ...) plus ``attributes`` and ``face_rectangle`` from
the release. Users who already hold mmpose's pre-converted files can add
``attributes`` to the test file from mmpose's per-subset files instead, see
:func:`add_attributes_from_subset_files`.

Bad input stops the run with :class:`WFLWFormatError` naming
``file:line: reason``. The output is staged (:mod:`.staged_output`): files
are swapped in only once the whole conversion succeeded, so a failed run
leaves any previous output untouched. Ids continue from the train file into
the test file, unique across the release.
"""
import math
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
from tqdm import tqdm

from mmpose_face.errors import WFLWFormatError  # noqa: F401 (re-exported)

from .coco_face_annotations import (  # noqa: F401 (crop_from_landmarks re-exported)
    FACE_CATEGORY, crop_from_landmarks, load_json, read_image_size,
    write_json_atomic)
from .staged_output import staged_output

NUM_KEYPOINTS = 98
# Order of the six flags in the release's list files.
ATTRIBUTE_NAMES = ('pose', 'expression', 'illumination', 'makeup',
                   'occlusion', 'blur')
RECTANGLE_NAMES = ('x_min', 'y_min', 'x_max', 'y_max')
FIELDS_PER_LINE = 2 * NUM_KEYPOINTS + len(RECTANGLE_NAMES) + len(
    ATTRIBUTE_NAMES) + 1
SPLITS = ('train', 'test')

RELEASE_IMAGE_DIR = 'WFLW_images'
RELEASE_LIST_DIR = 'WFLW_annotations/list_98pt_rect_attr_train_test'
OUT_IMAGE_DIR = 'images'
OUT_ANNOTATION_DIR = 'annotations'


def release_list_file(release_root, split):
    """Path of the official list file of ``split`` ('train' or 'test')."""
    return Path(release_root) / RELEASE_LIST_DIR / (
        f'list_98pt_rect_attr_{split}.txt')


def annotation_file(annotation_dir, split, subset=None):
    """Path of mmpose's ``face_landmarks_wflw_{split}[_{subset}].json``."""
    suffix = f'_{subset}' if subset else ''
    return Path(annotation_dir) / f'face_landmarks_wflw_{split}{suffix}.json'


@dataclass(frozen=True)
class WFLWFace:
    """One line of an official list file.

    Attributes:
        keypoints: (98, 2) landmark x, y in pixels, as tuples.
        face_rectangle: [x_min, y_min, x_max, y_max] in pixels, the
            detector-style box shipped with the release.
        attributes: {name: 0 or 1} for the six ATTRIBUTE_NAMES.
        image_path: posix path relative to ``WFLW_images/``.
    """
    keypoints: tuple
    face_rectangle: list
    attributes: dict
    image_path: str


def _field_name(index):
    """Human name of the 0-based field ``index`` of a list-file line."""
    if index < 2 * NUM_KEYPOINTS:
        return f'landmark {index // 2} {"xy"[index % 2]}'
    index -= 2 * NUM_KEYPOINTS
    if index < len(RECTANGLE_NAMES):
        return f'face rectangle {RECTANGLE_NAMES[index]}'
    index -= len(RECTANGLE_NAMES)
    if index < len(ATTRIBUTE_NAMES):
        return f'{ATTRIBUTE_NAMES[index]} flag'
    return 'image path'


def parse_wflw_line(line, source='<string>', line_number=None):
    """Parse one line of ``list_98pt_rect_attr_{train,test}.txt``.

    Args:
        line (str): the line, with or without its newline.
        source (str | Path): file the line came from, for error messages.
        line_number (int | None): 1-based line number, for error messages.

    Returns:
        WFLWFace

    Raises:
        WFLWFormatError: wrong number of fields, a value that is not a
            finite number, a flag other than 0/1, an inverted rectangle or
            an image path that leaves ``WFLW_images/``.
    """
    fields = line.split()
    if len(fields) != FIELDS_PER_LINE:
        raise WFLWFormatError(
            source, line_number,
            f'expected {FIELDS_PER_LINE} whitespace-separated fields '
            f'({2 * NUM_KEYPOINTS} landmark coordinates, 4 face rectangle '
            f'values, {len(ATTRIBUTE_NAMES)} attribute flags, image path), '
            f'got {len(fields)}')

    num_numbers = 2 * NUM_KEYPOINTS + len(RECTANGLE_NAMES)
    numbers = []
    for index, text in enumerate(fields[:num_numbers]):
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise WFLWFormatError(
                source, line_number,
                f'field {index + 1} ({_field_name(index)}) is not a finite '
                f'number: {text!r}')
        numbers.append(value)

    attributes = {}
    for offset, name in enumerate(ATTRIBUTE_NAMES):
        text = fields[num_numbers + offset]
        if text not in ('0', '1'):
            raise WFLWFormatError(
                source, line_number,
                f'field {num_numbers + offset + 1} ({name} flag) must be 0 '
                f'or 1, got {text!r}')
        attributes[name] = int(text)

    x_min, y_min, x_max, y_max = numbers[2 * NUM_KEYPOINTS:]
    if x_max < x_min or y_max < y_min:
        raise WFLWFormatError(
            source, line_number,
            f'face rectangle {numbers[2 * NUM_KEYPOINTS:]} has x_max < x_min '
            'or y_max < y_min')
    # The release writes integer rectangles; keep them integers in the JSON.
    face_rectangle = [
        int(v) if v.is_integer() else v for v in numbers[2 * NUM_KEYPOINTS:]
    ]

    image_path = fields[-1]
    posix_path = PurePosixPath(image_path)
    if posix_path.is_absolute() or '..' in posix_path.parts:
        raise WFLWFormatError(
            source, line_number,
            f'image path must be relative to {RELEASE_IMAGE_DIR}/, got '
            f'{image_path!r}')

    keypoints = tuple(
        (numbers[2 * k], numbers[2 * k + 1]) for k in range(NUM_KEYPOINTS))
    return WFLWFace(keypoints, face_rectangle, attributes, image_path)


def read_list_lines(list_file):
    """The lines of a list file, or :class:`WFLWFormatError` naming the line that is not UTF-8 text."""
    data = Path(list_file).read_bytes()
    try:
        return data.decode('utf-8').splitlines()
    except UnicodeDecodeError as error:
        line_number = data[:error.start].count(b'\n') + 1
        raise WFLWFormatError(list_file, line_number, f'not UTF-8 text (byte {data[error.start]:#04x} at offset '
                              f'{error.start}); the release\'s list files are plain text') from None


def convert_list_file(list_file, image_root, progress=True, ids=None):
    """Convert one official list file into an mmpose COCO-style dict.

    Images get ids in order of first appearance, faces in line order, both
    0-based; faces sharing an image share its ``image_id``.

    Args:
        list_file (str | Path): ``list_98pt_rect_attr_{split}.txt``.
        image_root (str | Path): the release's ``WFLW_images`` directory.
        progress (bool): show a tqdm bar over the lines.
        ids (dict | None): ``{'images': {path: id}, 'annotations': count}``
            shared by the list files of one release, so that ids continue
            from the previous file (unique across the release); None starts
            from 0.

    Returns:
        dict: ``categories``, ``images``, ``annotations`` as in mmpose's
        ``face_landmarks_wflw_*.json``, plus per annotation ``attributes``
        and ``face_rectangle``.

    Raises:
        WFLWFormatError: the list file is missing, a line is malformed, or
            an image is missing or unreadable.
    """
    list_file, image_root = Path(list_file), Path(image_root)
    if not list_file.is_file():
        raise WFLWFormatError(
            list_file, None,
            'list file not found; expected the official WFLW release layout '
            f'<root>/{RELEASE_LIST_DIR}/list_98pt_rect_attr_{{train,test}}.txt')
    lines = read_list_lines(list_file)

    ids = dict(images={}, annotations=0) if ids is None else ids
    images, annotations = [], []
    image_ids, listed = ids['images'], set()  # image path -> image id; those in this file
    for line_number, line in enumerate(
            tqdm(lines, desc=list_file.name, unit='face',
                 disable=not progress), start=1):
        if not line.strip():
            continue
        face = parse_wflw_line(line, list_file, line_number)
        if face.image_path not in listed:
            width, height = read_image_size(image_root / face.image_path,
                                            list_file, line_number,
                                            WFLWFormatError)
            image_ids.setdefault(face.image_path, len(image_ids))
            listed.add(face.image_path)
            images.append({
                'id': image_ids[face.image_path],
                'file_name': face.image_path,
                'height': height,
                'width': width,
            })
        crop = crop_from_landmarks(face.keypoints)
        annotations.append({
            'image_id': image_ids[face.image_path],
            'id': ids['annotations'],
            'keypoints': [v for x, y in face.keypoints for v in (x, y, 1)],
            'num_keypoints': NUM_KEYPOINTS,
            'bbox': crop['bbox'],
            'iscrowd': 0,
            'area': crop['area'],
            'category_id': FACE_CATEGORY['id'],
            'center': crop['center'],
            'scale': crop['scale'],
            'attributes': face.attributes,
            'face_rectangle': face.face_rectangle,
        })
        ids['annotations'] += 1
    return {
        'categories': [dict(FACE_CATEGORY)],
        'images': images,
        'annotations': annotations,
    }


def _link_or_copy_images(image_root, stage, file_names, link, progress):
    """Make ``OUT/images/<file_name>`` reach every image of the release, staged in ``stage``."""
    if link:
        stage.link_directory(image_root, OUT_IMAGE_DIR)
        return

    out_image_dir = stage.final(OUT_IMAGE_DIR)
    if out_image_dir.is_symlink():
        raise FileExistsError(
            f'{out_image_dir} is a symlink; remove it before copying images')
    for file_name in tqdm(sorted(file_names), desc='copy images',
                          unit='image', disable=not progress):
        relative = Path(OUT_IMAGE_DIR) / file_name
        source, target = image_root / file_name, stage.final(relative)
        if target.is_file():
            source_stat, target_stat = source.stat(), target.stat()
            # copy2 keeps mtimes, so a finished copy from an earlier run
            # has both equal and can be skipped.
            if (source_stat.st_size == target_stat.st_size
                    and source_stat.st_mtime == target_stat.st_mtime):
                continue
        shutil.copy2(source, stage.path(relative))


def convert_wflw(release_root, out_root, link_images=True, splits=SPLITS,
                 progress=True):
    """Convert the official WFLW release into mmpose's layout.

    Every split is parsed and checked before anything is written, so bad
    input leaves ``out_root`` as it was.

    Args:
        release_root (str | Path): holds ``WFLW_images/`` and
            ``WFLW_annotations/``.
        out_root (str | Path): gets ``annotations/face_landmarks_wflw_
            {split}.json`` and ``images/``.
        link_images (bool): make ``out_root/images`` a symlink to
            ``WFLW_images`` (default), else copy the listed images there.
        splits (Sequence[str]): subset of ('train', 'test').
        progress (bool): show tqdm progress bars.

    Returns:
        dict[str, Path]: split -> the JSON file written.

    Raises:
        WFLWFormatError: bad release content, with ``file:line``.
        FileExistsError: ``out_root/images`` is in the way.
    """
    release_root, out_root = Path(release_root), Path(out_root)
    image_root = release_root / RELEASE_IMAGE_DIR
    if not image_root.is_dir():
        raise WFLWFormatError(
            image_root, None,
            'image directory not found; expected the official WFLW release '
            f'layout <root>/{RELEASE_IMAGE_DIR}/<event dir>/<file>.jpg')

    ids = dict(images={}, annotations=0)  # unique across the splits' files
    converted = {
        split: convert_list_file(release_list_file(release_root, split),
                                 image_root, progress, ids)
        for split in splits
    }

    file_names = {
        image['file_name']
        for coco in converted.values() for image in coco['images']
    }
    written = {}
    with staged_output(out_root) as stage:
        _link_or_copy_images(image_root, stage, file_names, link_images,
                             progress)
        for split, coco in converted.items():
            written[split] = stage.write_json(
                annotation_file(OUT_ANNOTATION_DIR, split), coco)
    return written


def _load_json(path):
    return load_json(path, WFLWFormatError)


def _landmarks_by_file_name(coco, path):
    """{file_name: [(annotation, (K, 2) landmarks)]} of a COCO-style dict.

    Raises:
        WFLWFormatError: naming ``path`` and the image or annotation, for a
            document that is not mmpose's layout (no ``images`` /
            ``annotations`` lists, records without ``id``, ``file_name``,
            ``image_id``, or keypoints that are not 98 x 3 numbers).
    """
    if not isinstance(coco, dict) or not all(isinstance(coco.get(key), list) for key in ('images', 'annotations')):
        raise WFLWFormatError(path, None, 'expected a JSON object with "images" and "annotations" lists '
                              "(mmpose's face_landmarks_wflw_*.json)")
    file_names = {}
    for index, image in enumerate(coco['images']):
        if not (isinstance(image, dict) and isinstance(image.get('file_name'), str) and 'id' in image):
            raise WFLWFormatError(path, None, f'images[{index}]: needs "id" and a string "file_name"')
        file_names[image['id']] = image['file_name']
    faces = {}
    for index, annotation in enumerate(coco['annotations']):
        if not isinstance(annotation, dict) or 'id' not in annotation:
            raise WFLWFormatError(path, None, f'annotations[{index}]: needs an "id"')
        if annotation.get('image_id') not in file_names:
            raise WFLWFormatError(
                path, None,
                f'annotation id {annotation["id"]} refers to image id '
                f'{annotation.get("image_id")}, which is not in "images"')
        try:
            keypoints = np.asarray(annotation.get('keypoints'), dtype=np.float64)
        except (TypeError, ValueError):
            keypoints = np.zeros(0)
        if keypoints.size != 3 * NUM_KEYPOINTS or not np.all(np.isfinite(keypoints)):
            raise WFLWFormatError(
                path, None,
                f'annotation id {annotation["id"]}: "keypoints" must be '
                f'{3 * NUM_KEYPOINTS} finite numbers (98 x [x, y, v])')
        faces.setdefault(file_names[annotation['image_id']], []).append(
            (annotation, keypoints.reshape(NUM_KEYPOINTS, 3)[:, :2]))
    return faces


def add_attributes_from_subset_files(annotation_dir, out_file=None,
                                     atol=1e-3):
    """Add ``attributes`` to mmpose's pre-converted WFLW test file.

    mmpose distributes ``face_landmarks_wflw_test.json`` without flags and
    one ``face_landmarks_wflw_test_<attribute>.json`` per subset. A test
    face gets flag 1 for each subset file holding a face on the same image
    file name with the same landmarks (within ``atol``; ids may differ
    between files), else 0.

    Args:
        annotation_dir (str | Path): holds the test file and the six subset
            files (pose, expression, illumination, makeup, occlusion, blur).
        out_file (str | Path | None): where to write; None rewrites the test
            file in place (atomically; it only gains information).
        atol (float): landmark match tolerance in pixels.

    Returns:
        dict[str, int]: attribute name -> number of test faces flagged.

    Raises:
        WFLWFormatError: a file is missing or malformed, or a subset face
            matches no test face.
    """
    annotation_dir = Path(annotation_dir)
    test_file = annotation_file(annotation_dir, 'test')
    test_coco = _load_json(test_file)
    test_faces = _landmarks_by_file_name(test_coco, test_file)
    for annotation in test_coco['annotations']:
        annotation['attributes'] = dict.fromkeys(ATTRIBUTE_NAMES, 0)

    for name in ATTRIBUTE_NAMES:
        subset_file = annotation_file(annotation_dir, 'test', name)
        subset_coco = _load_json(subset_file)
        subset_faces = _landmarks_by_file_name(subset_coco, subset_file)
        for file_name, faces in subset_faces.items():
            for subset_annotation, landmarks in faces:
                matches = [
                    annotation
                    for annotation, test_landmarks in test_faces.get(
                        file_name, [])
                    if np.allclose(landmarks, test_landmarks, rtol=0,
                                   atol=atol)
                ]
                if not matches:
                    raise WFLWFormatError(
                        subset_file, None,
                        f'annotation id {subset_annotation["id"]} on '
                        f'{file_name!r} matches no face of {test_file} (same '
                        f'file name and landmarks within {atol} px)')
                for annotation in matches:
                    annotation['attributes'][name] = 1

    write_json_atomic(test_coco, test_file if out_file is None else out_file)
    return {
        name: sum(annotation['attributes'][name]
                  for annotation in test_coco['annotations'])
        for name in ATTRIBUTE_NAMES
    }
