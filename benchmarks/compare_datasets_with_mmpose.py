"""Every face data set side by side with mmpose 1.3.2: same file -> same items, metainfo and NME.

For each benchmark (WFLW, 300W, AFLW, COFW, LaPa, 300W-LP, COCO-WholeBody-Face)
a small annotation file in its layout is written (tests/test_datasets/face_layouts.py),
then loaded by this project's data set class and by mmpose's (in .venv-mmpose,
benchmarks/mmpose_reference/run_mmpose_datasets.py), both through the val pipeline
(LoadImage, GetBBoxCenterScale, TopdownAffine 256x256). Compared: the number and
order of items, every item array, every metainfo key mmpose gives (value and
type), and NME of the benchmark config's evaluator given the same predictions
(ground truth plus noise). Known, deliberate differences are listed, not hidden:
300W-LP's flip pairs (mmpose's 300wlp.py names none) and its NME default (mmpose's
metric has no 300W-LP entry and raises KeyError; here the description names 36, 45).

    python benchmarks/compare_datasets_with_mmpose.py [--json OUT] [--keep DIR]
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, osp.join(REPO_ROOT, 'tests', 'test_datasets'))  # the layout writer the tests use
REFERENCE_PYTHON = osp.join(REPO_ROOT, '.venv-mmpose', 'bin', 'python')
REFERENCE_RUNNER = osp.join(REPO_ROOT, 'benchmarks', 'mmpose_reference', 'run_mmpose_datasets.py')
INPUT_SIZE = (256, 256)
ITEM_KEYS = ('img', 'bbox', 'bbox_center', 'bbox_scale', 'bbox_score', 'keypoints', 'keypoints_visible',
             'input_center', 'input_scale', 'transformed_keypoints', 'id', 'img_id', 'num_keypoints')
# deliberate differences from mmpose 1.3.2 (docs/dataset_preparation.md, configs/_base_/datasets/300wlp.py)
KNOWN_METAINFO_DIFFERENCES = {'300wlp': {'flip_indices', 'flip_pairs'}}
NME_REL_TOLERANCE = 1e-5  # mmpose sums float32 distances, this project float64


def our_side(name: str, ann_file: str, rng) -> dict:
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.structures import InstanceData

    from face_layouts import BENCHMARKS, config_path
    from mmpose_face.registry import DATASETS, METRICS
    from mmpose_face.structures import PoseDataSample
    init_default_scope('mmpose_face')
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=INPUT_SIZE)]
    dataset = DATASETS.build(dict(type=BENCHMARKS[name][0], data_root=osp.dirname(ann_file), ann_file=ann_file,
                                  data_prefix=dict(img='images/'), data_mode='topdown', test_mode=True,
                                  pipeline=pipeline))
    items, samples, predictions = [], [], []
    for index in range(len(dataset)):
        results = dataset[index]
        items.append({key: np.asarray(results[key]) for key in ITEM_KEYS if key in results})
        prediction = results['keypoints'][0] + rng.normal(0, 2.0, results['keypoints'][0].shape)
        predictions.append(prediction.astype(np.float32).tolist())
        sample = PoseDataSample()
        sample.gt_instances = InstanceData(keypoints=results['keypoints'],
                                           keypoints_visible=results['keypoints_visible'], bboxes=results['bbox'])
        sample.pred_instances = InstanceData(keypoints=np.asarray(predictions[-1], np.float32)[None])
        samples.append(sample.to_dict())
    if name == 'wflw':
        evaluator = dict(type='NME', norm_mode='keypoint_distance')
    else:
        evaluator = dict(Config.fromfile(osp.join(REPO_ROOT, config_path(name))).test_evaluator)
    evaluator.pop('type')
    evaluator.pop('failure_rate_and_auc', None)  # this project's switch (FR, AUC): mmpose's NME has no such argument
    evaluators = [evaluator]
    if 'nme_keypoint_indices' in dataset.metainfo:  # the same points named explicitly
        evaluators.append(dict(evaluator, keypoint_indices=list(dataset.metainfo['nme_keypoint_indices'])))
    nmes = []
    for kwargs in evaluators:
        metric = METRICS.build(dict(type='NME', **kwargs))
        metric.dataset_meta = dataset.metainfo
        metric.process({}, samples)
        nmes.append(float(metric.evaluate(len(samples))['NME']))
    return dict(items=items, metainfo=dataset.metainfo, predictions=predictions, evaluators=evaluators, nmes=nmes)


def same_value(ours, theirs) -> bool:
    if isinstance(theirs, np.ndarray) and theirs.dtype.kind in 'US':  # mmpose's value as JSON
        return json.dumps(ours, default=str) == str(theirs)
    ours = np.asarray(ours)
    return ours.dtype == theirs.dtype and ours.shape == theirs.shape and np.array_equal(ours, theirs)


def compare(name: str, ours: dict, reference: dict) -> dict:
    prefix = f'{name}/'
    count = int(reference[f'{name}/count'])
    item_diff = {}
    for index in range(max(count, len(ours['items']))):
        for key in ITEM_KEYS:
            theirs = reference.get(f'{name}/{index}/{key}')
            mine = ours['items'][index].get(key) if index < len(ours['items']) else None
            if theirs is None and mine is None:
                continue
            if theirs is None or mine is None or np.shape(theirs) != np.shape(mine):
                item_diff[key] = float('inf')
                continue
            diff = float(np.abs(np.asarray(mine, np.float64) - np.asarray(theirs, np.float64)).max(initial=0))
            item_diff[key] = max(item_diff.get(key, 0.), diff)
    mmpose_keys = {key[len(prefix + 'metainfo/'):] for key in reference if key.startswith(prefix + 'metainfo/')}
    mismatched = sorted(key for key in mmpose_keys
                        if key not in ours['metainfo'] or not same_value(ours['metainfo'][key],
                                                                         reference[f'{name}/metainfo/{key}']))
    nme = []
    for j, value in enumerate(ours['nmes']):
        theirs = reference.get(f'{name}/nme/{j}')
        error = reference.get(f'{name}/error/{j}')
        nme.append(dict(evaluator=ours['evaluators'][j], ours=value,
                        mmpose=None if theirs is None else float(theirs),
                        mmpose_error=None if error is None else str(error),
                        rel_diff=None if theirs is None else abs(value - float(theirs)) / max(abs(float(theirs)), 1e-12)))
    unexpected = set(mismatched) - KNOWN_METAINFO_DIFFERENCES.get(name, set())
    passed = (count == len(ours['items']) and all(v == 0 for v in item_diff.values()) and not unexpected
              and all(entry['rel_diff'] is not None and entry['rel_diff'] < NME_REL_TOLERANCE
                      for entry in nme if entry['mmpose_error'] is None)
              and any(entry['mmpose_error'] is None for entry in nme))
    return dict(count_ours=len(ours['items']), count_mmpose=count, item_max_abs_diff=item_diff,
                metainfo_mismatched=mismatched, metainfo_known_differences=sorted(KNOWN_METAINFO_DIFFERENCES.get(name, ())),
                metainfo_extra_keys=sorted(set(ours['metainfo']) - mmpose_keys), nme=nme, passed=passed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--mmpose-python', default=REFERENCE_PYTHON)
    parser.add_argument('--json', help='write the comparison here')
    parser.add_argument('--keep', help='keep the annotation files and raw outputs in this folder')
    args = parser.parse_args()
    if not osp.isfile(args.mmpose_python):
        raise SystemExit(f'{args.mmpose_python}: no mmpose 1.3.2 environment '
                         '(bash benchmarks/mmpose_reference/setup_env.sh)')
    from face_layouts import BENCHMARKS, write_benchmark_files
    folder = args.keep or tempfile.mkdtemp(prefix='compare_datasets_')
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(0)
    ours, job = {}, dict(input_size=list(INPUT_SIZE), benchmarks=[])
    for seed, name in enumerate(BENCHMARKS):
        ann_file = write_benchmark_files(osp.join(folder, name), name, num_images=3, faces_per_image=2,
                                         size=(320, 240), seed=seed + 10)
        ours[name] = our_side(name, ann_file, rng)
        job['benchmarks'].append(dict(name=name, type=BENCHMARKS[name][0], data_root=osp.dirname(ann_file),
                                      ann_file=ann_file, img_prefix='images/', evaluators=ours[name]['evaluators'],
                                      predictions=ours[name]['predictions']))
    job_file, out_file = osp.join(folder, 'job.json'), osp.join(folder, 'mmpose.npz')
    with open(job_file, 'w') as f:
        json.dump(job, f)
    # run from the data folder: mmpose resolves METAINFO's 'configs/_base_/datasets/<name>.py'
    # against the working directory first, and must read its own descriptions, not this project's
    process = subprocess.run([args.mmpose_python, REFERENCE_RUNNER, job_file, out_file], capture_output=True,
                             text=True, cwd=folder)
    if process.returncode != 0:
        raise SystemExit(f'mmpose side failed:\n{process.stdout[-3000:]}{process.stderr[-3000:]}')
    with np.load(out_file) as saved:
        reference = {key: saved[key] for key in saved.files}
    result = {name: compare(name, ours[name], reference) for name in BENCHMARKS}
    print(f"{'benchmark':<22}{'items':>8}{'max item diff':>15}{'metainfo':>24}{'NME ours':>11}{'NME mmpose':>12}")
    for name, entry in result.items():
        worst = max(entry['item_max_abs_diff'].values(), default=0.)
        meta = 'equal' if not entry['metainfo_mismatched'] else 'differs: ' + ','.join(entry['metainfo_mismatched'])
        first = entry['nme'][0]
        theirs = f"{first['mmpose']:.6f}" if first['mmpose'] is not None else first['mmpose_error'].split(':')[0]
        print(f"{name:<22}{entry['count_ours']:>4}/{entry['count_mmpose']:<3}{worst:>15.3g}{meta:>24}"
              f"{first['ours']:>11.6f}{theirs:>12}")
        for extra in entry['nme'][1:]:
            print(f"{'':<22}{'(explicit keypoint_indices)':>47}{extra['ours']:>11.6f}"
                  f"{extra['mmpose'] if extra['mmpose'] is not None else extra['mmpose_error']:>12.6f}")
    passed = all(entry['passed'] for entry in result.values())
    print('passed' if passed else 'FAILED', f'(files in {folder})')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(benchmarks=result, passed=passed), f, indent=1, default=str)
    return 0 if passed else 1


if __name__ == '__main__':
    sys.exit(main())
