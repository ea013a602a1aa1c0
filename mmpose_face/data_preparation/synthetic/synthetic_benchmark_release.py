"""Write drawn faces in the release format of 300W, COFW, AFLW, LaPa or COCO-WholeBody-Face.

:func:`make_synthetic_face_dataset` draws one face per image (the WFLW
98-point model of this package), maps its landmarks to the layout with
:mod:`mmpose_face.data_preparation.landmark_layouts` and writes what the
benchmark's converter reads (for COCO-WholeBody the release *is* COCO-style
JSON, written directly)::

    300w                 afw/ helen/{trainset,testset}/ lfpw/{trainset,testset}/ ibug/
                         300W/{01_Indoor,02_Outdoor}/: NAME.jpg|png + NAME.pts
    cofw                 COFW_train_color.mat, COFW_test_color.mat (MATLAB v7.3 / HDF5)
    aflw                 AFLWinfo_release.mat (v5) + data/flickr/{0,2,3}/imageNNNNN.jpg
    lapa                 {train,val,test}/images/NAME.jpg + landmarks/NAME.txt
    coco_wholebody_face  annotations/coco_wholebody_{train,val}_v1.0.json + {train,val}2017/
    wflw                 :func:`.synthetic_wflw_release.make_synthetic_wflw`

Occluded landmarks (the occluder's polygons cover them) are the layouts'
invisible points: COFW's occlusion flags, AFLW's ``mask_new`` (so AFLW's
frontal subset is the faces with nothing occluded), COCO's v = 1.
"""
import json
import shutil
import time
from pathlib import Path

import cv2
import numpy as np

from .. import aflw_release_converter, cofw_release_converter, coco_wholebody_face_converter
from ..face300w_release_converter import SUBSET_FOLDERS as FACE300W_FOLDERS
from ..landmark_layouts import map_landmarks, map_visibility
from ..release_converters import convert_release
from .face_rendering import render_image
from .face_sampling import sample_faces
from .occluders import occluded_landmarks
from .synthetic_wflw_release import IMAGE_SIDE_RANGE, JPEG_QUALITY, make_synthetic_wflw

SUMMARY_FILE = 'synthetic_release.json'
LAYOUTS = ('300w', 'cofw', 'aflw', 'lapa', 'coco_wholebody_face', 'wflw')
FACE300W_TEST_SUBSETS = ('common', 'challenging', 'private')
# The smallest split sizes that put a face in every folder / file of a layout.
MIN_FACES = {'300w': (3, 6)}
AFLW_FOLDERS = ('0', '2', '3')


class DrawnFace:
    """One drawn image with its single face mapped to a layout.

    image: (H, W, 3) uint8 BGR. keypoints: (K, 2) pixels. visible: (K,)
    bool. face_box: (x_min, y_min, x_max, y_max) pixels. region: the pixel
    box the face draws in.
    """

    def __init__(self, image, face, layout):
        self.image = image
        wflw_visible = ~occluded_landmarks(face) if face.occluder else np.ones(len(face.landmarks), dtype=bool)
        self.keypoints = map_landmarks(face.landmarks, layout)
        self.visible = map_visibility(wflw_visible, layout)
        self.face_box = tuple(float(v) for v in face.face_box)
        self.region = tuple(float(v) for v in face.region)


def draw_faces(rng, count, layout):
    """``count`` :class:`DrawnFace` of ``layout``, one face per 256-320 px image."""
    drawn = []
    while len(drawn) < count:
        height, width = (int(v) for v in rng.integers(IMAGE_SIDE_RANGE[0], IMAGE_SIDE_RANGE[1] + 1, 2))
        faces = sample_faces(rng, 1, width, height)
        if faces:
            drawn.append(DrawnFace(render_image(rng, height, width, faces), faces[0], layout))
    return drawn


def _write_image(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    options = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY] if path.suffix == '.jpg' else []
    if not cv2.imwrite(str(path), image, options):
        raise OSError(f'make_synthetic_face_dataset: could not write image {path}')


def _xywh(box):
    x_min, y_min, x_max, y_max = box
    return [x_min, y_min, x_max - x_min, y_max - y_min]


# ------------------------------------------------------------------ writers
def write_300w(out_dir, splits):
    """iBUG folders with ``.pts`` files; test faces cycle common, challenging, private."""
    for split, faces in splits.items():
        for index, face in enumerate(faces):
            if split == 'train':
                folder = FACE300W_FOLDERS['train'][index % 3]
            else:
                subset = FACE300W_TEST_SUBSETS[index % 3]
                folders = FACE300W_FOLDERS[subset]
                folder = folders[(index // 3) % len(folders)]
            suffix = '.png' if folder.startswith(('lfpw', '300W')) else '.jpg'
            stem = out_dir / folder / f'synthetic_{split}_{index:06d}'
            _write_image(stem.with_suffix(suffix), face.image)
            points = '\n'.join(f'{x:.6f} {y:.6f}' for x, y in face.keypoints)
            stem.with_suffix('.pts').write_text(f'version: 1\nn_points:  {len(face.keypoints)}\n{{\n{points}\n}}\n')


def _write_matlab_v73(path, arrays, images_key, images):
    """A MATLAB v7.3 file: HDF5 after a 512-byte MATLAB header; arrays stored transposed
    (column-major), the image cell as object references into ``#refs#``."""
    import h5py
    with h5py.File(path, 'w', userblock_size=512) as mat:
        references = mat.create_dataset(images_key, (1, len(images)), dtype=h5py.ref_dtype)
        for index, image in enumerate(images):
            references[0, index] = mat.create_dataset(f'#refs#/{index}', data=np.ascontiguousarray(image.T)).ref
        for key, array in arrays.items():
            mat.create_dataset(key, data=np.ascontiguousarray(np.asarray(array, dtype=np.float64).T))
    header = b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created by: mmpose_face synthetic. HDF5 schema 1.00 .'
    with open(path, 'r+b') as file:
        file.write(header.ljust(116, b' ') + b'\x00' * 8 + b'\x00\x02IM')


def write_cofw(out_dir, splits):
    """COFW_{train,test}_color.mat: RGB images, 1-based x/y + occlusion flags, x y w h boxes."""
    for split, faces in splits.items():
        images_key, phis_key, boxes_key = cofw_release_converter.MAT_KEYS[split]
        phis = np.array([np.concatenate([face.keypoints[:, 0] + 1, face.keypoints[:, 1] + 1,
                                         (~face.visible).astype(np.float64)]) for face in faces])
        boxes = np.array([_xywh(face.face_box) for face in faces])
        images = [cv2.cvtColor(face.image, cv2.COLOR_BGR2RGB) for face in faces]
        _write_matlab_v73(out_dir / cofw_release_converter.RELEASE_FILES[split], {phis_key: phis, boxes_key: boxes}, images_key,
                          images)


def write_aflw(out_dir, splits, rng):
    """AFLWinfo_release.mat with the faces in shuffled rows; ``ra`` lists train rows first."""
    import scipy.io
    faces = splits['train'] + splits['test']
    rows = rng.permutation(len(faces))           # face k is stored in row rows[k]
    names = np.empty((len(faces), 1), dtype=object)
    boxes, data, mask = (np.zeros((len(faces), n)) for n in (4, 38, 19))
    for k, face in enumerate(faces):
        name = f'{AFLW_FOLDERS[k % 3]}/image{k:05d}.jpg'
        _write_image(out_dir / aflw_release_converter.RELEASE_IMAGE_DIR / name, face.image)
        x_min, y_min, x_max, y_max = face.face_box
        row = rows[k]
        names[row, 0] = name
        boxes[row] = [x_min, x_max, y_min, y_max]
        data[row] = np.concatenate([face.keypoints[:, 0], face.keypoints[:, 1]])
        mask[row] = face.visible
    scipy.io.savemat(str(out_dir / aflw_release_converter.RELEASE_FILE),
                     dict(bbox=boxes, data=data, mask_new=mask, nameList=names,
                          ra=(rows + 1).astype(np.float64)[None, :]))


def write_lapa(out_dir, splits):
    """{split}/images/*.jpg and {split}/landmarks/*.txt (count line, then "x y" lines)."""
    for split, faces in splits.items():
        for index, face in enumerate(faces):
            stem = f'synthetic_{split}_{index:06d}'
            _write_image(out_dir / split / 'images' / f'{stem}.jpg', face.image)
            points = '\n'.join(f'{x:.6f} {y:.6f}' for x, y in face.keypoints)
            landmark_file = out_dir / split / 'landmarks' / f'{stem}.txt'
            landmark_file.parent.mkdir(parents=True, exist_ok=True)
            landmark_file.write_text(f'{len(face.keypoints)}\n{points}\n')


def write_coco_wholebody_face(out_dir, splits):
    """COCO-WholeBody files with only the face part labelled (body, hands, feet empty)."""
    next_id = 1
    for split, faces in splits.items():
        images, annotations = [], []
        for face in faces:
            file_name = f'{next_id:012d}.jpg'
            _write_image(out_dir / coco_wholebody_face_converter.IMAGE_DIRS[split] / file_name, face.image)
            images.append(dict(id=next_id, file_name=file_name, height=int(face.image.shape[0]),
                               width=int(face.image.shape[1])))
            body_box = _xywh(face.region)
            face_kpts = [value for (x, y), seen in zip(face.keypoints.tolist(), face.visible)
                         for value in (x, y, 2 if seen else 1)]
            annotations.append(dict(
                id=next_id, image_id=next_id, category_id=1, iscrowd=0, segmentation=[],
                bbox=body_box, area=body_box[2] * body_box[3], keypoints=[0] * 51, num_keypoints=0,
                face_box=_xywh(face.face_box), face_kpts=face_kpts, face_valid=True,
                lefthand_box=[0, 0, 0, 0], lefthand_kpts=[0] * 63, lefthand_valid=False,
                righthand_box=[0, 0, 0, 0], righthand_kpts=[0] * 63, righthand_valid=False,
                foot_kpts=[0] * 18, foot_valid=False))
            next_id += 1
        document = dict(images=images, annotations=annotations,
                        categories=[dict(supercategory='person', id=1, name='person')])
        path = coco_wholebody_face_converter.annotation_file(out_dir / 'annotations', split)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(document))


# ------------------------------------------------------------------ entry point
def _check_arguments(layout, num_train, num_test, seed):
    if layout not in LAYOUTS:
        raise ValueError(f'make_synthetic_face_dataset: layout must be one of {LAYOUTS}, got {layout!r}')
    minimum_train, minimum_test = MIN_FACES.get(layout, (1, 1))
    for name, value, minimum in (('num_train', num_train, minimum_train), ('num_test', num_test, minimum_test)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
            raise ValueError(f'make_synthetic_face_dataset: {name} must be an integer >= {minimum} for '
                             f'{layout} (a face in every folder of the release), got {value!r}')
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f'make_synthetic_face_dataset: seed must be a non-negative integer, got {seed!r}')


def _prepare_out_dir(out_dir):
    """An empty ``out_dir``; a previous synthetic set there is deleted, anything else refused."""
    if out_dir.exists():
        if not out_dir.is_dir():
            raise ValueError(f'make_synthetic_face_dataset: out_dir {out_dir} exists and is not a directory')
        if any(out_dir.iterdir()):
            if not (out_dir / SUMMARY_FILE).is_file():
                raise ValueError(f'make_synthetic_face_dataset: {out_dir} is not empty and has no {SUMMARY_FILE}, '
                                 'so it is not a synthetic set made here; refusing to overwrite it')
            shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)


def make_synthetic_face_dataset(out_dir, layout, num_train, num_test, seed=0, progress=False):
    """Write a synthetic data set in ``layout``'s official release format under ``out_dir``.

    Args:
        out_dir: folder to write; must be empty or hold an earlier synthetic set.
        layout: one of :data:`LAYOUTS`.
        num_train, num_test: faces per split (LaPa's val split gets num_test
            faces too; COCO-WholeBody's 'val' is the test split). 300W needs
            num_train >= 3 and num_test >= 6 to fill every folder.
        seed: non-negative int; the same seed gives identical files.
        progress: a progress bar (WFLW only).

    Returns:
        dict with 'layout', 'out_dir', 'seed', 'num_faces' ({split: int}) and 'seconds'.
    """
    if layout == 'wflw':
        summary = make_synthetic_wflw(out_dir, num_train, num_test, seed=seed, progress=progress)
        return dict(layout=layout, out_dir=str(out_dir), seed=int(seed), num_faces=summary['num_faces'],
                    seconds=summary['seconds'])
    _check_arguments(layout, num_train, num_test, seed)
    out_dir = Path(out_dir)
    start = time.perf_counter()
    _prepare_out_dir(out_dir)
    (out_dir / SUMMARY_FILE).write_text(json.dumps(dict(complete=False, layout=layout, seed=int(seed))) + '\n')
    split_names = {'lapa': ('train', 'val', 'test'), 'coco_wholebody_face': ('train', 'val')}.get(
        layout, ('train', 'test'))
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(split_names) + 1)]
    counts = {split: int(num_train if split == 'train' else num_test) for split in split_names}
    splits = {split: draw_faces(stream, counts[split], layout) for split, stream in zip(split_names, streams)}
    if layout == '300w':
        write_300w(out_dir, splits)
    elif layout == 'cofw':
        write_cofw(out_dir, splits)
    elif layout == 'aflw':
        write_aflw(out_dir, splits, streams[-1])
    elif layout == 'lapa':
        write_lapa(out_dir, splits)
    else:
        write_coco_wholebody_face(out_dir, splits)
    summary = dict(layout=layout, out_dir=str(out_dir), seed=int(seed), num_faces=counts,
                   seconds=round(time.perf_counter() - start, 3))
    (out_dir / SUMMARY_FILE).write_text(json.dumps(dict(summary, complete=True), indent=2) + '\n')
    return summary


def prepare_synthetic_benchmark(work_dir, layout, num_train, num_test, seed=0):
    """Draw a release of ``layout`` into ``work_dir/release`` and convert it into ``work_dir/data``.

    Returns:
        Path: ``work_dir/data``, the folder to use as the config's ``data_root``
        (it holds the annotation files and image folders mmpose's config for
        the benchmark names).
    """
    work_dir = Path(work_dir)
    make_synthetic_face_dataset(work_dir / 'release', layout, num_train, num_test, seed=seed)
    options = {'aflw': dict(num_train=num_train), 'wflw': dict(progress=False)}.get(layout, {})
    convert_release(layout, work_dir / 'release', work_dir / 'data', **options)
    return work_dir / 'data'
