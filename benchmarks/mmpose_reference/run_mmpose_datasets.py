"""The mmpose 1.3.2 side of benchmarks/compare_datasets_with_mmpose.py (run with .venv-mmpose's python).

    .venv-mmpose/bin/python benchmarks/mmpose_reference/run_mmpose_datasets.py JOB.json OUT.npz

JOB.json: {"input_size": [w, h], "benchmarks": [{"name", "type", "data_root",
"ann_file", "img_prefix", "evaluators": [NME kwargs, ...], "predictions": [(K, 2) per face]}]}

OUT.npz, per benchmark <name>:
    <name>/metainfo/<key>        each value of mmpose's parsed metainfo (JSON for dicts)
    <name>/count                 number of items
    <name>/<i>/<key>             item i through LoadImage, GetBBoxCenterScale, TopdownAffine
    <name>/nme/<j>               NME of evaluator j given the predictions (or error/<j>: the message)
Imports only mmpose (never mmpose_face).
"""
import json
import sys
import warnings

warnings.filterwarnings('ignore')

import numpy as np  # noqa: E402

ITEM_KEYS = ('img', 'bbox', 'bbox_center', 'bbox_scale', 'bbox_score', 'keypoints', 'keypoints_visible',
             'input_center', 'input_scale', 'transformed_keypoints', 'id', 'img_id', 'num_keypoints')


def store_metainfo(out: dict, prefix: str, metainfo: dict) -> None:
    for key, value in metainfo.items():
        if isinstance(value, np.ndarray):
            out[f'{prefix}/metainfo/{key}'] = value
        elif key != 'CLASSES':
            out[f'{prefix}/metainfo/{key}'] = np.array(json.dumps(value, default=str))


def run_benchmark(job: dict, bench: dict, out: dict) -> None:
    from mmengine.structures import InstanceData
    from mmpose.registry import DATASETS, METRICS
    from mmpose.structures import PoseDataSample
    name = bench['name']
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=tuple(job['input_size']))]
    dataset = DATASETS.build(dict(type=bench['type'], data_root=bench['data_root'], ann_file=bench['ann_file'],
                                  data_prefix=dict(img=bench['img_prefix']), data_mode='topdown',
                                  test_mode=True, pipeline=pipeline))
    store_metainfo(out, name, dataset.metainfo)
    out[f'{name}/count'] = np.array(len(dataset))
    samples = []
    for index in range(len(dataset)):
        results = dataset[index]
        for key in ITEM_KEYS:
            if key in results:
                out[f'{name}/{index}/{key}'] = np.asarray(results[key])
        sample = PoseDataSample()
        sample.gt_instances = InstanceData(keypoints=results['keypoints'],
                                           keypoints_visible=results['keypoints_visible'],
                                           bboxes=results['bbox'])
        sample.pred_instances = InstanceData(
            keypoints=np.asarray(bench['predictions'][index], dtype=np.float32)[None])
        samples.append(sample.to_dict())
    for j, kwargs in enumerate(bench['evaluators']):
        try:
            metric = METRICS.build(dict(type='NME', **kwargs))
            metric.dataset_meta = dataset.metainfo
            metric.process({}, samples)
            out[f'{name}/nme/{j}'] = np.array(metric.evaluate(len(samples))['NME'], dtype=np.float64)
        except Exception as error:  # noqa: BLE001 (recorded: the comparison reports mmpose's exception)
            out[f'{name}/error/{j}'] = np.array(f'{type(error).__name__}: {error}')


def main(job_file: str, out_file: str) -> None:
    from mmengine.registry import init_default_scope
    with open(job_file) as f:
        job = json.load(f)
    init_default_scope('mmpose')
    import mmpose.datasets  # noqa: F401 (registers the data sets)
    import mmpose.evaluation  # noqa: F401
    out = {}
    for bench in job['benchmarks']:
        run_benchmark(job, bench, out)
    np.savez(out_file, **out)
    import mmpose
    print(f'mmpose {mmpose.__version__}: {len(out)} arrays -> {out_file}')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
