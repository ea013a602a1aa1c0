"""The mmpose 1.3.2 side of benchmarks/compare_with_mmpose.py (run with .venv-mmpose's python).

    .venv-mmpose/bin/python benchmarks/mmpose_reference/run_mmpose.py JOB.json OUT.npz

JOB.json (written by compare_with_mmpose.py):
    config        path of mmpose's config, relative to mmpose/.mim/configs
    cfg_options   overrides given to both sides (e.g. a ResNet-18 variant)
    checkpoints   {name: path}; each is loaded with mmpose's ``init_model``
    cases         [{"img": path, "bboxes": [[x, y, w, h], ...] or null,
                    "bbox_format": "xywh"}], run with ``inference_topdown``
    flip_tests    e.g. [true, false]: ``test_cfg.flip_test`` for each run
    dataset       {"data_root", "ann_file"}: WFLW samples for the pipeline check
    codec_points  {"keypoints": (N, K, 2), "keypoints_visible": (N, K)}

OUT.npz:
    pred/<checkpoint>/flip<0|1>/<case>   (N, K, 2) keypoints in image pixels
    state_dict_shapes                    JSON {key: shape} of mmpose's model
    config                               JSON of mmpose's config (with cfg_options)
    pipeline/<i>/<key>                   the val pipeline (+ GenerateTarget) on sample i
    codec/<key>                          RegressionLabel.encode of codec_points
Imports only mmpose (never mmpose_face).
"""
import json
import os
import os.path as osp
import sys
import warnings

# The checkpoints are files the comparison has just written. mmengine 0.10.7
# calls torch.load without weights_only, which torch >= 2.6 reads as True and
# which then refuses the numpy scalars of an mmcv 1.x style ``meta``.
os.environ.setdefault('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
warnings.filterwarnings('ignore')

import numpy as np  # noqa: E402
import torch  # noqa: E402


def mmpose_config_path(relative: str) -> str:
    import mmpose
    path = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', relative)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: not in the installed mmpose')
    return path


def predict_all(job: dict, config_path: str, out: dict) -> None:
    from mmpose.apis import inference_topdown, init_model
    for name, checkpoint in job['checkpoints'].items():
        model = init_model(config_path, checkpoint, device='cpu', cfg_options=job.get('cfg_options'))
        out['state_dict_shapes'] = np.array(json.dumps(
            {key: list(value.shape) for key, value in model.state_dict().items()}, sort_keys=True))
        for flip in job['flip_tests']:
            model.test_cfg['flip_test'] = bool(flip)
            for index, case in enumerate(job['cases']):
                bboxes = None if case['bboxes'] is None else np.array(case['bboxes'], dtype=np.float64)
                results = inference_topdown(model, case['img'], bboxes, case.get('bbox_format', 'xyxy'))
                out[f'pred/{name}/flip{int(flip)}/{index}'] = np.concatenate(
                    [r.pred_instances.keypoints for r in results]).astype(np.float64)


def pipeline_all(job: dict, config_path: str, out: dict) -> None:
    """mmpose's WFLWDataset and val pipeline (without packing), then GenerateTarget."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(config_path)
    if job.get('cfg_options'):
        cfg.merge_from_dict(job['cfg_options'])
    out['config'] = np.array(json.dumps(cfg.to_dict(), default=str, sort_keys=True))
    init_default_scope('mmpose')
    pipeline = [step for step in cfg.val_dataloader.dataset.pipeline if step['type'] != 'PackPoseInputs']
    pipeline.append(dict(type='GenerateTarget', encoder=cfg.codec))
    dataset = DATASETS.build(dict(
        type='WFLWDataset', data_root=job['dataset']['data_root'], ann_file=job['dataset']['ann_file'],
        data_prefix=dict(img=''), data_mode='topdown', test_mode=True, pipeline=pipeline))
    for index in range(len(dataset)):
        results = dataset[index]
        for key in ('img', 'bbox_center', 'bbox_scale', 'input_center', 'input_scale',
                    'transformed_keypoints', 'keypoint_labels', 'keypoint_weights'):
            out[f'pipeline/{index}/{key}'] = np.asarray(results[key])
        out[f'pipeline/{index}/id'] = np.asarray(results['id'])


def codec_all(job: dict, out: dict) -> None:
    from mmpose.codecs import RegressionLabel
    points = job['codec_points']
    codec = RegressionLabel(input_size=tuple(points['input_size']))
    encoded = codec.encode(np.asarray(points['keypoints'], dtype=np.float32),
                           np.asarray(points['keypoints_visible'], dtype=np.float32))
    for key, value in encoded.items():
        out[f'codec/{key}'] = value
    keypoints, scores = codec.decode(np.asarray(points['normalised'], dtype=np.float32))
    out['codec/decoded_keypoints'] = keypoints
    out['codec/decoded_scores'] = scores


def main(job_file: str, out_file: str) -> None:
    with open(job_file) as f:
        job = json.load(f)
    torch.set_num_threads(int(job.get('threads', torch.get_num_threads())))
    config_path = mmpose_config_path(job['config'])
    out = {}
    predict_all(job, config_path, out)
    if job.get('dataset'):
        pipeline_all(job, config_path, out)
    if job.get('codec_points'):
        codec_all(job, out)
    np.savez(out_file, **out)
    import mmpose
    print(f'mmpose {mmpose.__version__}: {len(out)} arrays -> {out_file}')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
