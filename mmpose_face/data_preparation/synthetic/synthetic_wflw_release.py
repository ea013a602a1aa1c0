"""Write drawn faces as a WFLW release: images, list files and a summary.

:func:`make_synthetic_wflw` writes a data set that the WFLW converter reads
like the official release::

    OUT/WFLW_images/0--Synthetic/0_Synthetic_train_000012.jpg
    OUT/WFLW_images/1--SyntheticGroup/1_SyntheticGroup_test_000007.jpg
    OUT/WFLW_annotations/list_98pt_rect_attr_train_test/
        list_98pt_rect_attr_{train,test}.txt
    OUT/synthetic_wflw.json            (what was made; marks OUT as ours)

The files are staged (:mod:`mmpose_face.data_preparation.staged_output`):
written under a hidden folder in ``OUT`` and moved into place only when the
whole set is drawn, ``synthetic_wflw.json`` last; a run that fails or is
killed leaves a previous set as it was (its hidden folder is removed by the
next run). A set's folders left without ``synthetic_wflw.json`` (a run
killed while moving files in) are recognised by their synthetic event
folders and replaced.

A list line holds 196 landmark coordinates (x0 y0 ... x97 y97, pixels,
6 decimals), the face rectangle ``x_min y_min x_max y_max`` (integers), six
0/1 flags (pose, expression, illumination, make-up, occlusion, blur) and the
image path relative to ``WFLW_images/``. Images holding several faces get
one line per face.

Speed (measured): 2,000 faces (1,750 train + 250 test; 1,505 images of
256-320 px, JPEG writing included) take 14.8 s of CPU on one core of the
development machine, about 135 faces/s (14-24 s wall while the machine was
shared); ``make_synthetic_wflw`` returns the wall time as 'seconds'. With
``sizes='wflw'`` (1024 px wide photos) 310 faces in 246 photos took 4.4 s
wall on a quiet core, about 70 faces/s.
"""
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from ..staged_output import STAGE_PREFIX, STAGE_SUFFIX, staged_output
from .face_attributes import ATTRIBUTE_NAMES, attribute_flags
from .face_rendering import render_image
from .face_sampling import sample_faces
from .wflw_photo_sizes import FACE_WIDTH_RANGE as WFLW_FACE_WIDTH_RANGE
from .wflw_photo_sizes import sample_face_widths, sample_photo_size

IMAGE_DIR = 'WFLW_images'
LIST_DIR = 'WFLW_annotations/list_98pt_rect_attr_train_test'
SUMMARY_FILE = 'synthetic_wflw.json'
SPLITS = ('train', 'test')
# WFLW-like event folders: single faces, and images with 2-3 faces.
SINGLE_FACE_EVENT = (0, 'Synthetic')
GROUP_EVENT = (1, 'SyntheticGroup')

IMAGE_SIDE_RANGE = (256, 320)   # pixels, sizes='small'
# 'small': 256-320 px photos, faces 64-200 px wide (quick to draw, decode and train on);
# 'wflw': WFLW's photo and face sizes (1024 px wide photos, see wflw_photo_sizes).
SIZE_MODES = ('small', 'wflw')
FACES_PER_IMAGE_PROBABILITIES = {1: 0.75, 2: 0.18, 3: 0.07}
JPEG_QUALITY = 90


def annotation_line(face, image_path):
    """One WFLW list line (no newline) for ``face`` in ``image_path`` (relative)."""
    numbers = ' '.join(f'{v:.6f}' for v in face.landmarks.ravel())
    box = ' '.join(str(int(v)) for v in face.face_box)
    flags = ' '.join(str(flag) for flag in attribute_flags(face))
    return f'{numbers} {box} {flags} {image_path}'


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f'make_synthetic_wflw: {name} must be an integer >= 1, got {value!r}')


def _is_leftover_synthetic_set(out_dir):
    """True if ``out_dir``'s set folders hold only what this writer makes (a set whose summary is
    missing because a run was killed while moving its files in); a real release never matches."""
    images = out_dir / IMAGE_DIR
    if not images.is_dir():
        return False
    ours = {f'{event_id}--{event}' for event_id, event in (SINGLE_FACE_EVENT, GROUP_EVENT)}
    events = {entry.name for entry in images.iterdir()}
    if not events or not events <= ours:
        return False
    annotations = out_dir / 'WFLW_annotations'
    if not annotations.exists():
        return True
    if not annotations.is_dir() or {entry.name for entry in annotations.iterdir()} - {Path(LIST_DIR).name}:
        return False
    lists = out_dir / LIST_DIR
    names = {f'list_98pt_rect_attr_{split}.txt' for split in SPLITS}
    return not lists.exists() or (lists.is_dir() and {entry.name for entry in lists.iterdir()} <= names)


def _check_out_dir(out_dir):
    """Refuse an ``out_dir`` that is a file or holds a release this writer did not make."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f'make_synthetic_wflw: out_dir {out_dir} exists and is not a directory')
    if (out_dir / SUMMARY_FILE).is_file() or _is_leftover_synthetic_set(out_dir):
        return
    for name in (IMAGE_DIR, 'WFLW_annotations'):
        if (out_dir / name).exists():
            raise ValueError(
                f'make_synthetic_wflw: {out_dir / name} exists but {out_dir} has no {SUMMARY_FILE}, '
                'so it is not a synthetic set made here; refusing to overwrite it')


def _set_aside_previous_set(out_dir):
    """Move a previous set out of the way (renames, no copy) into a hidden folder; returns it.

    The summary goes first, so that no moment shows a summary without its images; what is left
    in between is recognised by :func:`_is_leftover_synthetic_set`.
    """
    trash = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, suffix=STAGE_SUFFIX, dir=out_dir))
    for name in (SUMMARY_FILE, IMAGE_DIR, 'WFLW_annotations'):
        if (out_dir / name).exists():
            os.replace(out_dir / name, trash / name)
    return trash


def _draw_image_and_faces(rng, wanted, sizes):
    """(height, width, faces) of one image holding up to ``wanted`` faces."""
    if sizes == 'small':
        height, width = (int(v) for v in rng.integers(IMAGE_SIDE_RANGE[0], IMAGE_SIDE_RANGE[1] + 1, 2))
        return height, width, sample_faces(rng, wanted, width, height)
    width, height = sample_photo_size(rng)
    faces = sample_faces(rng, wanted, width, height, face_widths=sample_face_widths(rng, wanted),
                         min_face_width=WFLW_FACE_WIDTH_RANGE[0])
    return height, width, faces


def _write_split(rng, stage, split, num_faces, progress_bar, sizes='small'):
    """Generate ``num_faces`` faces of ``split`` into ``stage`` (a StagedOutput); returns (final list
    file, image count, flag counts)."""
    lines = []
    flag_counts = np.zeros(len(ATTRIBUTE_NAMES), dtype=int)
    image_index = 0
    counts, probabilities = zip(*FACES_PER_IMAGE_PROBABILITIES.items())
    while len(lines) < num_faces:
        wanted = min(int(rng.choice(counts, p=probabilities)), num_faces - len(lines))
        height, width, faces = _draw_image_and_faces(rng, wanted, sizes)
        if not faces:
            continue
        image = render_image(rng, height, width, faces)
        event_id, event = SINGLE_FACE_EVENT if len(faces) == 1 else GROUP_EVENT
        image_path = f'{event_id}--{event}/{event_id}_{event}_{split}_{image_index:06d}.jpg'
        target = stage.path(f'{IMAGE_DIR}/{image_path}')
        if not cv2.imwrite(str(target), image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
            raise OSError(f'make_synthetic_wflw: could not write image {target}')
        for face in faces:
            lines.append(annotation_line(face, image_path))
            flag_counts += attribute_flags(face)
        image_index += 1
        progress_bar.update(len(faces))
    list_file = f'{LIST_DIR}/list_98pt_rect_attr_{split}.txt'
    stage.path(list_file).write_text('\n'.join(lines) + '\n')
    return stage.final(list_file), image_index, dict(zip(ATTRIBUTE_NAMES, flag_counts.tolist()))


def make_synthetic_wflw(out_dir, num_train, num_test, seed=0, progress=True, sizes='small'):
    """Write a synthetic data set in the official WFLW layout under ``out_dir``.

    Args:
        out_dir: folder to write into; a previous synthetic set there is
            replaced, other content of the folder is left alone.
        num_train, num_test: number of faces (list lines) per split, >= 1.
        seed: non-negative int; the same seed gives identical list files.
        progress: show a tqdm progress bar.
        sizes: 'small' (256-320 px photos, faces 64-200 px wide) or 'wflw'
            (WFLW's photo and face sizes: :mod:`.wflw_photo_sizes`).

    Returns:
        dict with 'out_dir', 'image_dir', 'train_list', 'test_list' (paths),
        'num_faces' and 'num_images' ({split: int}), 'attribute_counts'
        ({split: {attribute: faces}}), 'seed', 'sizes' and 'seconds' (wall time).
    """
    _check_count('num_train', num_train)
    _check_count('num_test', num_test)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f'make_synthetic_wflw: seed must be a non-negative integer, got {seed!r}')
    if sizes not in SIZE_MODES:
        raise ValueError(f'make_synthetic_wflw: sizes must be one of {SIZE_MODES}, got {sizes!r}')
    out_dir = Path(out_dir)
    start = time.perf_counter()
    _check_out_dir(out_dir)
    split_rngs = dict(zip(SPLITS, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))))
    requested = dict(train=int(num_train), test=int(num_test))
    summary = dict(out_dir=str(out_dir), image_dir=str(out_dir / IMAGE_DIR), seed=int(seed), sizes=sizes,
                   num_faces={}, num_images={}, attribute_counts={})
    trash = None
    try:
        with staged_output(out_dir) as stage:
            with tqdm(total=sum(requested.values()), desc='synthetic WFLW', unit='face',
                      disable=not progress) as bar:
                for split in SPLITS:
                    list_file, num_images, flag_counts = _write_split(split_rngs[split], stage, split,
                                                                      requested[split], bar, sizes)
                    summary[f'{split}_list'] = str(list_file)
                    summary['num_faces'][split] = requested[split]
                    summary['num_images'][split] = num_images
                    summary['attribute_counts'][split] = flag_counts
            summary['seconds'] = round(time.perf_counter() - start, 3)
            stage.path(SUMMARY_FILE).write_text(json.dumps(dict(summary, complete=True), indent=2) + '\n')
            trash = _set_aside_previous_set(out_dir)   # the staged set is moved in next
    finally:
        if trash is not None:
            shutil.rmtree(trash, ignore_errors=True)
    return summary
