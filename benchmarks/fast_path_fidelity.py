"""How far the fast path's inputs are from the reference pipeline's, per cache size S.

    .venv/bin/python benchmarks/fast_path_fidelity.py [--seeds 24] [--config CONFIG] [--sizes lossless,512]
        [--json out.json]

For each face of ``tests/data`` and each seed, the reference train pipeline
(``LoadImage -> GetBBoxCenterScale -> RandomFlip -> RandomBBoxTransform ->
TopdownAffine -> GenerateTarget``, published settings, 256x256) draws its
parameters; the fast path warps the cached crop with the SAME parameters.
Reported: mean absolute difference of the two inputs (grey levels, 0-255;
median and max over samples), the largest keypoint-label difference and the
number of differing keypoint weights - for crop sizes S (the largest side)
from the lossless 716 px down to 256 px, on the photographs as they are
(padded face boxes of 106-150 px: every S >= ~300 keeps them at source
pixels, whose host warp is the reference's bit for bit; this measures the
device warp, ``grid_sample``) and enlarged 3x and
6x with bicubic interpolation (boxes of 281-420 and 562-840 px: the cache and, at low
zoom, the reference itself downsample; at 6x the cache area-averages
first). For scale, the same input with the rotation off by one degree.
Also the high-frequency ratio: mean |Laplacian| of the fast path's input
(grey) over the reference's, median over samples; below 1 the fast path's
inputs are smoother. ``--config`` takes another train pipeline (e.g. the
64x64 synthetic-WFLW config, where the lossless cache is 182 px, so most
faces are stored downsampled while the reference warps the photograph
directly, bilinear, without low-pass).
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import tempfile

import cv2
import numpy as np

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.join(REPO, 'tests', 'test_fast_path'))  # reference_sample.py, the tests' scaffolding

from mmengine.config import Config  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402

from mmpose_face.datasets import WFLWDataset  # noqa: E402
from mmpose_face.fast_path import CachedFaceDataset  # noqa: E402
from mmpose_face.fast_path.batch_topdown_augmentor import AugmentParameters  # noqa: E402
from reference_sample import fast_sample, reference_sample  # noqa: E402

PUBLISHED_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                            'td-reg_res50_8xb64-210e_wflw-256x256.py')


def enlarged_copy(factor: int, out_dir: str) -> str:
    """tests/data with photographs and annotations enlarged ``factor`` times; returns its root."""
    with open(osp.join(REPO, 'tests', 'data', 'test_wflw.json')) as f:
        coco = json.load(f)
    for image in coco['images']:
        photo = cv2.imread(osp.join(REPO, 'tests', 'data', image['file_name']))
        cv2.imwrite(osp.join(out_dir, image['file_name']),
                    cv2.resize(photo, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC),
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
        image['width'], image['height'] = image['width'] * factor, image['height'] * factor
    for ann in coco['annotations']:
        points = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1, 3)
        points[:, :2] = (points[:, :2] + 0.5) * factor - 0.5  # pixel centres of the enlarged image
        ann['keypoints'] = points.ravel().tolist()
        ann['center'] = [(c + 0.5) * factor - 0.5 for c in ann['center']]
        ann['scale'] = ann['scale'] * factor
        ann['bbox'] = [v * factor for v in ann['bbox']]
    with open(osp.join(out_dir, 'test_wflw.json'), 'w') as f:
        json.dump(coco, f)
    return out_dir


def high_frequency(image: np.ndarray) -> float:
    """Mean |Laplacian| of a (H, W, 3) BGR input's grey levels."""
    grey = cv2.cvtColor(np.clip(image, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY).astype(np.float32)
    return float(np.abs(cv2.Laplacian(grey, cv2.CV_32F)).mean())


def measure(data_root: str, crop_size, seeds: int, cache_dir: str, config: str = PUBLISHED_CONFIG) -> dict:
    init_default_scope('mmpose_face')
    dataset = WFLWDataset(ann_file='test_wflw.json', data_root=data_root, data_prefix=dict(img=''),
                          pipeline=Config.fromfile(config).train_pipeline)
    cached = CachedFaceDataset(dataset, crop_size=crop_size, cache_dir=cache_dir)
    diffs, off_by_one_degree, label_error, weight_mismatches, sharpness = [], [], 0., 0, []
    for seed in range(seeds):
        index = seed % len(dataset)
        reference, params = reference_sample(dataset, index, seed)
        image, labels, weights = fast_sample(cached, index, params)
        diffs.append(float(np.abs(image - reference['img']).mean()))
        sharpness.append(high_frequency(np.asarray(image)) / high_frequency(np.asarray(reference['img'])))
        label_error = max(label_error, float(np.abs(labels - reference['keypoint_labels'][0]).max()))
        weight_mismatches += int((weights != reference['keypoint_weights'][0]).sum())
        rotated = AugmentParameters(params.flip, params.shift, params.scale, params.rotation + 1.)
        off_by_one_degree.append(float(np.abs(fast_sample(cached, index, rotated)[0] - reference['img']).mean()))
    box = cached.cache.faces['box_scale'][:, 0]  # padded box width, image pixels
    return dict(crop_size=cached.cache.crop_size, padded_box_px=[float(box.min()), float(box.max())],
                mean_abs_diff_median=statistics.median(diffs), mean_abs_diff_max=max(diffs),
                label_max_error=label_error, weight_mismatches=weight_mismatches,
                off_by_one_degree_median=statistics.median(off_by_one_degree),
                high_frequency_ratio_median=statistics.median(sharpness), samples=seeds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, default=24)
    parser.add_argument('--sizes', default='lossless,512,384,256')
    parser.add_argument('--config', default=PUBLISHED_CONFIG, help='train pipeline (default: the published 256x256)')
    parser.add_argument('--json')
    args = parser.parse_args()
    sizes = [size if size == 'lossless' else int(size) for size in args.sizes.split(',')]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for factor in (1, 3, 6):
            root = osp.join(REPO, 'tests', 'data') if factor == 1 else enlarged_copy(
                factor, tempfile.mkdtemp(dir=scratch))
            for size in sizes:
                row = dict(photo_scale=factor, **measure(root, size, args.seeds, osp.join(scratch, 'cache'),
                                                                    args.config))
                results.append(row)
                print(f"photos x{factor} (padded boxes {row['padded_box_px'][0]:.0f}-{row['padded_box_px'][1]:.0f} px)"
                      f"  S={row['crop_size']:4d}: mean |diff| {row['mean_abs_diff_median']:.2f} grey levels "
                      f"(max {row['mean_abs_diff_max']:.2f}); 1 degree off: {row['off_by_one_degree_median']:.2f}; "
                      f"labels max err {row['label_max_error']:.1e}; weights differ {row['weight_mismatches']}; "
                      f"high-frequency ratio {row['high_frequency_ratio_median']:.3f}",
                      flush=True)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
