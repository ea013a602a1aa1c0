"""Same config, same weights: mmpose 1.3.2 and mmpose_face predict the same pixels.

    bash benchmarks/mmpose_reference/setup_env.sh      # once: .venv-mmpose/
    .venv/bin/python benchmarks/compare_with_mmpose.py [--small] [--json OUT]

Builds the published WFLW DeepPose ResNet-50 config in both toolboxes (ours
from configs/, mmpose's from the config files its wheel ships), gives them
the same random weights saved as mmpose 0.x (``keypoint_head.fc.*``) and
1.x (``head.fc.*``) checkpoints, and runs ``init_model`` +
``inference_topdown`` on the two real photos in tests/data (the faces'
``bbox`` xywh, and the whole image), flip test on and off. Weight variants
(see :func:`random_weights`): the published head init (fc std 0.01: almost
the same output for every face), fc std 1.0 (outputs far off the crop) and
outputs spread over the crop, so that a difference in the crop, flip or
decode path would show. Also compares the val pipeline (crop pixels,
centre/scale, transformed keypoints), RegressionLabel encode/decode, the
state dict keys and shapes, and lists the config settings that differ.
Exit code 1 when a prediction differs by ``--tolerance`` pixels (0.01) or more.

``--small`` uses ResNet-18 on 64x64 crops for a quick check (the tests use it).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
from collections import defaultdict

import numpy as np
import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

CONFIG = 'face_2d_keypoint/topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py'
# ResNet-18 on 64x64 crops: the same code paths, a fraction of the time
SMALL_OPTIONS = {'model.backbone.depth': 18, 'model.head.in_channels': 512,
                 'codec.input_size': (64, 64), 'model.head.decoder.input_size': (64, 64),
                 'val_dataloader.dataset.pipeline.2.input_size': (64, 64),
                 'test_dataloader.dataset.pipeline.2.input_size': (64, 64)}
DATA_ROOT = osp.join(REPO_ROOT, 'tests', 'data')
ANN_FILE = 'test_wflw.json'
REFERENCE_PYTHON = osp.join(REPO_ROOT, '.venv-mmpose', 'bin', 'python')
REFERENCE_RUNNER = osp.join(REPO_ROOT, 'benchmarks', 'mmpose_reference', 'run_mmpose.py')
FC_VARIANTS = ('fc_std0.01', 'fc_std1', 'fc_spread')
PIPELINE_KEYS = ('img', 'bbox_center', 'bbox_scale', 'input_center', 'input_scale',
                 'transformed_keypoints', 'keypoint_labels', 'keypoint_weights')


def calibration_batch(model, config_path: str, cfg_options: dict) -> torch.Tensor:
    """The normalised val crops of tests/data, (B, 3, H, W), and their mirror images."""
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate

    from mmpose_face.registry import DATASETS
    cfg = Config.fromfile(config_path)
    cfg.merge_from_dict(cfg_options)
    dataset = DATASETS.build(dict(
        type='WFLWDataset', data_root=DATA_ROOT, ann_file=ANN_FILE, data_prefix=dict(img=''),
        data_mode='topdown', test_mode=True, pipeline=cfg.val_dataloader.dataset.pipeline))
    inputs = model.data_preprocessor(pseudo_collate([dataset[i] for i in range(len(dataset))]))['inputs']
    return torch.cat([inputs, inputs.flip(-1)])


def random_weights(model, fc_variant: str, calibration: torch.Tensor, seed: int = 0) -> dict:
    """Seeded random weights for ``model`` that behave like a trained network's.

    Convs: He-uniform; BN: random affine, running statistics measured on
    ``calibration`` crops (so activations stay O(1) through the ResNet);
    head fc by ``fc_variant``: ``fc_std0.01`` N(0, 0.01) and bias 0 (the
    published init: nearly the same output for every face), ``fc_std1``
    N(0, 1) (outputs far outside the crop), ``fc_spread`` scaled so that
    outputs spread over the crop (normalised mean 0.5, std 0.25).
    """
    generator = torch.Generator().manual_seed(seed)
    state = {}
    for key, value in model.state_dict().items():
        if not value.is_floating_point() or key.startswith('head.'):
            state[key] = value.clone()
        elif key.endswith('.weight') and value.ndim == 1:
            state[key] = 0.5 + torch.rand(value.shape, generator=generator)
        elif key.endswith('.bias'):
            state[key] = 0.1 * torch.randn(value.shape, generator=generator)
        elif key.endswith(('running_mean', 'running_var')):
            state[key] = value.clone()
        else:  # conv kernels
            bound = np.sqrt(6.0 / value[0].numel())
            state[key] = (torch.rand(value.shape, generator=generator) * 2 - 1) * bound
    model.load_state_dict(state)
    batch_norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for bn in batch_norms:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the calibration pass
    model.train()
    with torch.no_grad():
        features = model.extract_feat(calibration)[-1].flatten(1)
    model.eval()
    fc = model.head.fc
    fc_std = {'fc_std0.01': 0.01, 'fc_std1': 1.0}.get(fc_variant)
    if fc_std is None:  # fc_spread: output std 0.25 for features of this RMS and width
        fc_std = 0.25 / (features.pow(2).mean().sqrt().item() * np.sqrt(fc.in_features))
    with torch.no_grad():
        fc.weight.copy_(torch.randn(fc.weight.shape, generator=generator) * fc_std)
        fc.bias.fill_(0.5 if fc_variant == 'fc_spread' else 0.0)
    return {key: value.clone() for key, value in model.state_dict().items()}


def save_checkpoint_v1(state_dict: dict, path: str, dataset_meta: dict) -> None:
    """mmpose 1.x layout: ``head.fc.*``, meta as mmpose's runner writes it
    (``dataset_meta`` colours and weights as numpy arrays, WFLW's empty skeleton too)."""
    dataset_meta = dict(dataset_meta, keypoint_colors=np.array(dataset_meta['keypoint_colors'], np.uint8),
                        num_skeleton_links=0, skeleton_link_colors=np.array([], np.uint8),
                        dataset_keypoint_weights=np.array(dataset_meta['dataset_keypoint_weights'], np.float32),
                        sigmas=np.array([], np.float32))
    torch.save({'meta': {'mmengine_version': '0.10.7', 'epoch': 210, 'iter': 100000,
                         'dataset_meta': dataset_meta, 'seed': 0, 'experiment_name': 'compare'},
                'state_dict': state_dict}, path)


def save_checkpoint_v0(state_dict: dict, path: str, config_text: str) -> None:
    """mmpose 0.x layout (``keypoint_head.fc.*``), meta as mmcv 1.x wrote it."""
    renamed = {('keypoint_' + key if key.startswith('head.') else key): value
               for key, value in state_dict.items()}
    meta = {'mmcv_version': '1.3.0', 'time': 'Wed Mar  3 10:20:30 2021', 'mmpose_version': '0.12.0',
            'env_info': 'sys.platform: linux', 'config': config_text, 'seed': 0,
            'epoch': 210, 'iter': 14070,
            'hook_msgs': {'last_ckpt': 'work_dirs/deeppose_res50_wflw_256x256/epoch_210.pth',
                          'best_score': np.float64(0.0488), 'best_ckpt': 'best_NME_epoch_210.pth'}}
    torch.save({'meta': meta, 'state_dict': renamed}, path)


def inference_cases() -> list:
    """Per photo of tests/data: all its faces' ``bbox`` (xywh), and the whole image."""
    with open(osp.join(DATA_ROOT, ANN_FILE)) as f:
        coco = json.load(f)
    cases = []
    for image in coco['images']:
        path = osp.join(DATA_ROOT, image['file_name'])
        boxes = [ann['bbox'] for ann in coco['annotations'] if ann['image_id'] == image['id']]
        cases.append(dict(img=path, bboxes=boxes, bbox_format='xywh'))
        cases.append(dict(img=path, bboxes=None, bbox_format='xyxy'))
    return cases


def codec_points(input_size, seed: int = 0) -> dict:
    """Crop keypoints around and on the crop border, some invisible; normalised outputs."""
    rng = np.random.default_rng(seed)
    w, h = input_size
    keypoints = rng.uniform(-20, max(w, h) + 20, size=(4, 98, 2))
    keypoints[0, :4] = [[0, 0], [w - 1, h - 1], [w - 1 + 1e-3, 5], [-1e-3, 5]]
    visible = (rng.uniform(size=(4, 98)) > 0.2).astype(np.float32)
    normalised = rng.uniform(-0.2, 1.2, size=(4, 98, 2))
    return dict(input_size=list(input_size), keypoints=keypoints.tolist(),
                keypoints_visible=visible.tolist(), normalised=normalised.tolist())


def run_reference(job: dict, workdir: str, python: str) -> dict:
    job_file, out_file = osp.join(workdir, 'job.json'), osp.join(workdir, 'mmpose.npz')
    with open(job_file, 'w') as f:
        json.dump(job, f)
    completed = subprocess.run([python, REFERENCE_RUNNER, job_file, out_file], cwd=REPO_ROOT,
                               capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f'{REFERENCE_RUNNER} failed ({completed.returncode}):\n'
                           f'{completed.stdout[-3000:]}\n{completed.stderr[-6000:]}')
    with np.load(out_file) as data:
        return dict(data)


def run_ours(job: dict, config_path: str) -> dict:
    """The same job as run_mmpose.py, with mmpose_face."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmpose_face.apis import inference_topdown, init_model
    from mmpose_face.codecs import RegressionLabel
    from mmpose_face.registry import DATASETS
    out = {}
    for name, checkpoint in job['checkpoints'].items():
        model = init_model(config_path, checkpoint, device='cpu', cfg_options=job['cfg_options'])
        for flip in job['flip_tests']:
            model.test_cfg['flip_test'] = bool(flip)
            for index, case in enumerate(job['cases']):
                results = inference_topdown(model, case['img'], case['bboxes'], case['bbox_format'])
                out[f'pred/{name}/flip{int(flip)}/{index}'] = np.concatenate(
                    [r.pred_instances.keypoints for r in results]).astype(np.float64)
    cfg = Config.fromfile(config_path)
    cfg.merge_from_dict(job['cfg_options'])
    init_default_scope('mmpose_face')
    pipeline = [step for step in cfg.val_dataloader.dataset.pipeline if step['type'] != 'PackPoseInputs']
    pipeline.append(dict(type='GenerateTarget', encoder=cfg.codec))
    dataset = DATASETS.build(dict(
        type='WFLWDataset', data_root=job['dataset']['data_root'], ann_file=job['dataset']['ann_file'],
        data_prefix=dict(img=''), data_mode='topdown', test_mode=True, pipeline=pipeline))
    for index in range(len(dataset)):
        results = dataset[index]
        for key in PIPELINE_KEYS:
            out[f'pipeline/{index}/{key}'] = np.asarray(results[key])
        out[f'pipeline/{index}/id'] = np.asarray(results['id'])
    points = job['codec_points']
    codec = RegressionLabel(input_size=tuple(points['input_size']))
    for key, value in codec.encode(np.asarray(points['keypoints'], dtype=np.float32),
                                   np.asarray(points['keypoints_visible'], dtype=np.float32)).items():
        out[f'codec/{key}'] = value
    out['codec/decoded_keypoints'], out['codec/decoded_scores'] = codec.decode(
        np.asarray(points['normalised'], dtype=np.float32))
    return out


def flatten(tree, prefix: str = '') -> dict:
    """{'a': {'b': [1, {'c': 2}]}} -> {'a.b.0': 1, 'a.b.1.c': 2}."""
    if isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, (list, tuple)) and any(isinstance(v, (dict, list, tuple)) for v in tree):
        items = enumerate(tree)
    else:
        return {prefix: list(tree) if isinstance(tree, tuple) else tree}
    flat = {}
    for key, value in items:
        flat.update(flatten(value, f'{prefix}.{key}' if prefix else str(key)))
    return flat


def config_differences(ours: dict, reference: dict) -> dict:
    """Settings whose values differ, or that only one config has: {key: [ours, mmpose's]}."""
    ours, reference = flatten(ours), flatten(reference)
    absent = '<absent>'
    return {key: [ours.get(key, absent), reference.get(key, absent)]
            for key in sorted(set(ours) | set(reference)) if ours.get(key, absent) != reference.get(key, absent)}


def max_abs_diff(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float('inf')
    return float(np.abs(a - b).max()) if a.size else 0.0


def compare(ours: dict, reference: dict) -> dict:
    """Max |ours - mmpose| per group of arrays; ``inf`` for a shape mismatch or a missing array."""
    missing = sorted((set(reference) ^ set(ours)) - {'state_dict_shapes', 'config'})
    report = defaultdict(float)
    spread = defaultdict(list)  # per face: std of its keypoints' x, pixels
    for key in sorted(set(reference) & set(ours) - {'state_dict_shapes', 'config'}):
        kind = key.split('/')[0]
        if kind == 'pred':
            _, weights, flip, _ = key.split('/')
            variant, layout = weights.split('-')
            group = f'pred/{variant}/{layout}/{flip}'
            spread[f'pred/{variant}'] += np.std(reference[key][..., 0], axis=1).tolist()
        elif kind == 'pipeline':
            group = f'pipeline/{key.split("/")[-1]}'
        else:
            group = key
        report[group] = max(report[group], max_abs_diff(ours[key], reference[key]))
    for key in missing:
        report[f'missing/{key}'] = float('inf')
    return dict(max_abs_diff=dict(report),
                keypoint_spread_px={key: float(np.median(value)) for key, value in spread.items()})


def layout_consistency(ours: dict) -> float:
    """Max difference between our predictions from the 0.x and the 1.x checkpoint (should be 0)."""
    worst = 0.0
    for key in ours:
        if key.startswith('pred/') and '-v0/' in key:
            worst = max(worst, max_abs_diff(ours[key], ours[key.replace('-v0/', '-v1/')]))
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--small', action='store_true',
                        help='ResNet-18 on 64x64 crops instead of ResNet-50 on 256x256')
    parser.add_argument('--mmpose-python', default=REFERENCE_PYTHON,
                        help='python of the mmpose 1.3.2 environment (setup_env.sh)')
    parser.add_argument('--tolerance', type=float, default=0.01, help='pixels')
    parser.add_argument('--json', help='write the measured differences here')
    parser.add_argument('--keep', help='keep checkpoints and raw outputs in this folder')
    args = parser.parse_args()
    if not osp.isfile(args.mmpose_python):
        raise SystemExit(f'{args.mmpose_python}: no mmpose reference environment; '
                         'run bash benchmarks/mmpose_reference/setup_env.sh')

    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        result = run_comparison(args, args.keep)
    else:  # the ResNet-50 checkpoints take 600 MB: never leave them behind
        with tempfile.TemporaryDirectory(prefix='compare_mmpose_') as workdir:
            result = run_comparison(args, workdir)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)
    return 0 if result['passed'] else 1


def run_comparison(args, workdir: str) -> dict:
    """Write the checkpoints into ``workdir``, run both sides, print and return the result."""
    from mmengine.config import Config

    from mmpose_face.apis import init_model
    config_path = osp.join(REPO_ROOT, 'configs', CONFIG)
    cfg_options = dict(SMALL_OPTIONS) if args.small else {}
    started = time.time()
    template = init_model(config_path, None, cfg_options=cfg_options)
    input_size = tuple(template.cfg.codec.input_size)
    with open(config_path) as f:
        config_text = f.read()
    checkpoints = {}
    calibration = calibration_batch(template, config_path, cfg_options)
    for seed, variant in enumerate(FC_VARIANTS):
        state = random_weights(template, variant, calibration, seed)
        checkpoints[f'{variant}-v0'] = osp.join(workdir, f'{variant}_v0.pth')
        checkpoints[f'{variant}-v1'] = osp.join(workdir, f'{variant}_v1.pth')
        save_checkpoint_v0(state, checkpoints[f'{variant}-v0'], config_text)
        save_checkpoint_v1(state, checkpoints[f'{variant}-v1'], template.dataset_meta)
    job = dict(config=CONFIG, cfg_options=cfg_options, checkpoints=checkpoints, cases=inference_cases(),
               flip_tests=[True, False], dataset=dict(data_root=DATA_ROOT, ann_file=ANN_FILE),
               codec_points=codec_points(input_size), threads=torch.get_num_threads())
    reference = run_reference(job, workdir, args.mmpose_python)
    ours = run_ours(job, config_path)
    result = compare(ours, reference)
    result['ours_v0_vs_v1_px'] = layout_consistency(ours)
    our_shapes = {key: list(value.shape) for key, value in template.state_dict().items()}
    result['state_dict_keys_equal'] = our_shapes == json.loads(str(reference['state_dict_shapes']))
    pred_diffs = [v for k, v in result['max_abs_diff'].items() if k.startswith(('pred/', 'missing/'))]
    result['max_pred_diff_px'] = max(pred_diffs)
    result['model'] = f"{'ResNet-18' if args.small else 'ResNet-50'} {input_size[0]}x{input_size[1]}"
    result['seconds'] = round(time.time() - started, 1)
    our_cfg = Config.fromfile(config_path)
    our_cfg.merge_from_dict(cfg_options)
    result['config_differences'] = config_differences(
        json.loads(json.dumps(our_cfg.to_dict(), default=str)), json.loads(str(reference['config'])))
    result['passed'] = (result['max_pred_diff_px'] < args.tolerance and result['ours_v0_vs_v1_px'] == 0.0
                        and result['state_dict_keys_equal'])
    print(f"mmpose 1.3.2 vs mmpose_face, {result['model']}, max |difference|:")
    for key, value in sorted(result['max_abs_diff'].items()):
        print(f'  {key:45s} {value:.3g}')
    for key, value in sorted(result['keypoint_spread_px'].items()):
        print(f'  {key:45s} keypoints of a face spread (std of x) {value:.3g} px (median)')
    print(f"  ours: 0.x vs 1.x checkpoint                  {result['ours_v0_vs_v1_px']:.3g}")
    print(f"  state dict keys and shapes equal mmpose's    {result['state_dict_keys_equal']}")
    print(f"  config settings that differ (ours vs mmpose's, see --json): {len(result['config_differences'])}")
    print(f"max prediction difference {result['max_pred_diff_px']:.3g} px "
          f"(tolerance {args.tolerance}) -> {'PASS' if result['passed'] else 'FAIL'} "
          f"in {result['seconds']} s")
    return result


if __name__ == '__main__':
    sys.exit(main())
