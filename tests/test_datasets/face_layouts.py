"""Small annotation files in each benchmark's COCO-style layout, written from
the layout's description (mmpose's data preparation docs), with images.

Used by the data set tests, the end-to-end test of every benchmark config and
``benchmarks/compare_datasets_with_mmpose.py``. Faces are random point sets
inside a face box (not face-shaped): enough to load, crop, train two steps
and score; the mirror test of the flip pairs uses real faces instead.
"""
import json
import os
import os.path as osp

import cv2
import numpy as np

# name: (data set class, points, annotation layout, config folder, config name tag)
BENCHMARKS = {
    'wflw': ('WFLWDataset', 98, 'center_scale', 'wflw', 'wflw'),
    '300w': ('Face300WDataset', 68, 'center_scale', '300w', '300w'),
    'aflw': ('AFLWDataset', 19, 'center_scale', 'aflw', 'aflw'),
    'cofw': ('COFWDataset', 29, 'bbox', 'cofw', 'cofw'),
    'lapa': ('LapaDataset', 106, 'bbox', 'lapa', 'lapa'),
    '300wlp': ('Face300WLPDataset', 68, 'bbox', '300wlp', '300wlp'),
    'coco_wholebody_face': ('CocoWholeBodyFaceDataset', 68, 'wholebody', 'coco_wholebody_face',
                            'coco-wholebody-face'),
}
WFLW_FLAGS = ('pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur')
SUBSET_300W = ('common', 'challenging')


def config_path(name: str, loss: str = '') -> str:
    """The benchmark's DeepPose config (``loss`` '', 'wingloss' or 'softwingloss')."""
    _, _, _, folder, tag = BENCHMARKS[name]
    prefix = f'td-reg_res50_{loss}_' if loss else 'td-reg_res50_'
    return f'configs/face_2d_keypoint/topdown_regression/{folder}/{prefix}8xb64-210e_{tag}-256x256.py'


def random_face(rng, num_keypoints: int, width: int, height: int):
    """(K, 3) keypoints [x, y, v] inside a random face box, and the box [x, y, w, h]."""
    side = rng.uniform(0.35, 0.6) * min(width, height)
    x0, y0 = rng.uniform(2, width - side - 2), rng.uniform(2, height - side - 2)
    points = np.stack([rng.uniform(x0, x0 + side, num_keypoints), rng.uniform(y0, y0 + side, num_keypoints)], 1)
    visible = np.full(num_keypoints, 2.)
    visible[rng.random(num_keypoints) < 0.15] = 1.  # labelled but occluded
    keypoints = np.concatenate([points.round(3), visible[:, None]], axis=1)
    return keypoints, [round(float(x0), 3), round(float(y0), 3), round(float(side), 3), round(float(side), 3)]


def write_image(path: str, width: int, height: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    cv2.imwrite(path, cv2.GaussianBlur(image, (5, 5), 0))


def write_benchmark_files(folder: str, name: str, num_images: int = 3, faces_per_image: int = 2,
                          size=(64, 48), seed: int = 0, file_name: str = 'annotations.json') -> str:
    """Write ``images/*.png`` and ``<file_name>`` for benchmark ``name``; return the JSON path.

    Layouts: centre/scale (WFLW, 300W, AFLW: ``center``, ``scale`` = side / 200,
    plus WFLW ``attributes``, 300W ``subset``, AFLW ``box_size`` and
    ``frontal``); mmpose's base layout (COFW, LaPa, 300W-LP: ``bbox``
    [x, y, w, h]); COCO-WholeBody (``face_kpts``, ``face_box``,
    ``face_valid`` beside the body's ``keypoints``; one person per file has
    no valid face and is left out on loading).
    """
    _, num_keypoints, layout, _, _ = BENCHMARKS[name]
    rng = np.random.default_rng(seed)
    width, height = size
    os.makedirs(osp.join(folder, 'images'), exist_ok=True)
    images, annotations = [], []
    for i in range(num_images):
        image_id = 100 + i
        image_name = f'face_{name}_{i}.png'
        write_image(osp.join(folder, 'images', image_name), width, height, seed * 1000 + i)
        images.append(dict(id=image_id, file_name=image_name, width=width, height=height))
        for j in range(faces_per_image):
            face_id = 1000 + i * 10 + j
            keypoints, box = random_face(rng, num_keypoints, width, height)
            ann = dict(id=face_id, image_id=image_id, category_id=1, iscrowd=0,
                       num_keypoints=int((keypoints[:, 2] > 0).sum()))
            if layout == 'wholebody':
                ann.update(keypoints=[0.] * 51, bbox=[box[0] - 5, box[1] - 5, box[2] + 10, box[3] + 20],
                           face_kpts=keypoints.ravel().tolist(), face_box=box, face_valid=True)
            else:
                ann.update(keypoints=keypoints.ravel().tolist(), bbox=box, area=box[2] * box[3])
            if layout == 'center_scale':
                ann.update(center=[box[0] + box[2] / 2, box[1] + box[3] / 2], scale=box[2] / 200.)
            if name == 'wflw':
                ann['attributes'] = {flag: int(rng.random() < 0.5) for flag in WFLW_FLAGS}
            elif name == '300w':
                ann['subset'] = SUBSET_300W[(i + j) % 2]
            elif name == 'aflw':
                ann.update(box_size=round(float(box[2]) * 1.1, 3), frontal=bool((i + j) % 2))
            annotations.append(ann)
    if layout == 'wholebody':  # a person whose face is not annotated: left out, as in mmpose
        annotations.append(dict(id=1, image_id=100, category_id=1, iscrowd=0, keypoints=[0.] * 51,
                                bbox=[1., 1., 20., 30.], face_kpts=[0.] * (3 * num_keypoints),
                                face_box=[0., 0., 0., 0.], face_valid=False, num_keypoints=0))
    path = osp.join(folder, file_name)
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=annotations,
                       categories=[dict(id=1, name='person' if layout == 'wholebody' else 'face')]), f)
    return path
