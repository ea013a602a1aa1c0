"""The mmpose 1.3.2 side of benchmarks/compare_rtmpose_with_mmpose.py (run with .venv-mmpose's python).

    .venv-mmpose/bin/python benchmarks/mmpose_reference/run_mmpose_rtmpose.py JOB.json OUT.npz

JOB.json (written by compare_rtmpose_with_mmpose.py):
    config        path of mmpose's RTMPose config, relative to mmpose/.mim/configs
    cfg_options   overrides given to both sides (at least the backbone's init_cfg=None: no download)
    seed          the seed of mmpose's own initialisation, then of the perturbation
    perturb_std   every parameter gets N(0, perturb_std) added after the init, so that the
                  outputs vary across faces and points (0: mmpose's init as it is)
    checkpoint    where mmpose writes its weights ({'meta', 'state_dict'}, as a released file)
    cases         [{"img": path, "bboxes": [[x, y, w, h], ...]}], run with ``inference_topdown``
    flip_tests    e.g. [true, false]: ``test_cfg.flip_test`` for each run
    loss          {"data_root", "ann_file", "dataset_type"}: the val pipeline + GenerateTarget on
                  those faces, one batch through ``model.loss`` (train mode off: no dropout)
    test          {"data_root", "ann_file", "dataset_type", "work_dir"}: mmpose's Runner.test on that
                  file alone (the test set replaced by it, with the val pipeline); null: skipped

OUT.npz:
    pred/flip<0|1>/<case>, score/flip<0|1>/<case>   keypoints (N, K, 2) image pixels, scores (N, K)
    loss/<key>                                       the loss dict's values
    metrics                                          JSON of Runner.test's metrics
    state_dict_shapes                                JSON {key: shape}
Imports only mmpose (never mmpose_face).
"""
import json
import os
import os.path as osp
import sys
import warnings

os.environ.setdefault('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')  # mmengine 0.10.7 + torch >= 2.6
warnings.filterwarnings('ignore')

import numpy as np  # noqa: E402
import torch  # noqa: E402

from run_mmpose import mmpose_config_path  # noqa: E402 (this folder)


def config_with_options(job: dict):
    from mmengine.config import Config
    cfg = Config.fromfile(mmpose_config_path(job['config']))
    cfg.merge_from_dict(job.get('cfg_options') or {})
    return cfg


def write_random_checkpoint(job: dict) -> None:
    """mmpose's model with its own init, perturbed, saved as a released checkpoint is."""
    import mmpose
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    cfg = config_with_options(job)
    torch.manual_seed(job['seed'])
    model = MODELS.build(cfg.model)
    model.init_weights()
    generator = torch.Generator().manual_seed(job['seed'])
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator) * job.get('perturb_std', 0.0))
    torch.save({'meta': {'mmpose_version': mmpose.__version__}, 'state_dict': model.state_dict()},
               job['checkpoint'])


def predict_all(job: dict, out: dict) -> None:
    from mmpose.apis import inference_topdown, init_model
    model = init_model(config_with_options(job), job['checkpoint'], device='cpu')
    out['state_dict_shapes'] = np.array(json.dumps(
        {key: list(value.shape) for key, value in model.state_dict().items()}, sort_keys=True))
    for flip in job['flip_tests']:
        model.test_cfg['flip_test'] = bool(flip)
        for index, case in enumerate(job['cases']):
            results = inference_topdown(model, case['img'], np.array(case['bboxes'], dtype=np.float64),
                                        'xywh')
            out[f'pred/flip{int(flip)}/{index}'] = np.concatenate(
                [r.pred_instances.keypoints for r in results]).astype(np.float64)
            out[f'score/flip{int(flip)}/{index}'] = np.concatenate(
                [r.pred_instances.keypoint_scores for r in results]).astype(np.float64)


def dataset_of(spec: dict, pipeline: list):
    from mmpose.registry import DATASETS
    return DATASETS.build(dict(type=spec['dataset_type'], data_root=spec['data_root'], ann_file=spec['ann_file'],
                               data_prefix=dict(img=''), data_mode='topdown', test_mode=True, pipeline=pipeline))


def loss_of_one_batch(job: dict, out: dict) -> None:
    from mmengine.dataset import pseudo_collate
    from mmpose.apis import init_model
    cfg = config_with_options(job)
    model = init_model(cfg, job['checkpoint'], device='cpu')
    pipeline = [step for step in cfg.val_dataloader.dataset.pipeline if step['type'] != 'PackPoseInputs']
    pipeline += [dict(type='GenerateTarget', encoder=cfg.codec), dict(type='PackPoseInputs')]
    dataset = dataset_of(job['loss'], pipeline)
    batch = model.data_preprocessor(pseudo_collate([dataset[i] for i in range(len(dataset))]), training=False)
    with torch.no_grad():
        losses = model.loss(batch['inputs'], batch['data_samples'])
    for key, value in losses.items():
        out[f'loss/{key}'] = np.asarray(value.detach().double().numpy())


def test_metrics(job: dict, out: dict) -> None:
    from mmengine.runner import Runner
    cfg = config_with_options(job)
    spec = job['test']
    cfg.work_dir = spec['work_dir']
    cfg.load_from = job['checkpoint']
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False, batch_size=2)
    # the file alone, with the val pipeline (Face6's test set is a CombinedDataset of six)
    cfg.test_dataloader.dataset = dict(type=spec['dataset_type'], data_root=spec['data_root'],
                                       ann_file=spec['ann_file'], data_prefix=dict(img=''), data_mode='topdown',
                                       test_mode=True, pipeline=cfg.val_dataloader.dataset.pipeline)
    cfg.log_level = 'WARNING'
    cfg.default_hooks.pop('visualization', None)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    out['metrics'] = np.array(json.dumps({key: float(value) for key, value in metrics.items()}))


def main(job_file: str, out_file: str) -> None:
    with open(job_file) as f:
        job = json.load(f)
    torch.set_num_threads(int(job.get('threads', torch.get_num_threads())))
    out = {}
    write_random_checkpoint(job)
    predict_all(job, out)
    if job.get('loss'):
        loss_of_one_batch(job, out)
    if job.get('test'):
        test_metrics(job, out)
    np.savez(out_file, **out)
    import mmpose
    print(f'mmpose {mmpose.__version__}: {len(out)} arrays -> {out_file}')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    main(sys.argv[1], sys.argv[2])
