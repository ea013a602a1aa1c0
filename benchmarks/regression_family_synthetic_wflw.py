"""The regression family learns faces: each head on the quick-start recipe, small variant.

    .venv/bin/python benchmarks/regression_family_synthetic_wflw.py [--heads softwing rle ipr dsnt]
        [--epochs 10] [--work-dir work_dirs/regression_family] [--json OUT]

The recipe of tests/test_quick_start/test_synthetic_training_learns.py: a
synthetic WFLW set (480 train / 96 test faces, seed 3) in the official
release layout -> converter -> the config, made small (ResNet-18 from
scratch, 48x48 crops, batch 16, Adam 2e-3 with warm-up, 10 epochs, the
published augmentation) -> mmengine Runner -> NME on the test split with the
mean-shape baseline per subset. For the integral heads the small variant
has 2x2 features -> three deconvolutions of 64 channels (256 in the
configs) -> 16x16 heatmaps, sigma 1 heatmap pixel and scores within 1.5
heatmap pixels (4.5 crop pixels). One torch thread (on 2 shared cores a
second one mostly waits). Heads:

    softwing  td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64 (the quick start's)
    rtmpose   rtmpose-m_8xb64-60e_wflw-256x256 (mmpose's file; configs/ or, until it ships
              there, mmpose 1.3.2's own from .venv-mmpose), made RTMPose-t: CSPNeXt deepen
              0.167 / widen 0.375 from scratch, RTMCCHead on its 384 channels at 2x2
              (in_featuremap_size = 48 / 32, rounded up), SimCCLabel sigma 5.66 scaled to
              the crop (1.06 px), split ratio 2; its own train pipeline (YOLOX HSV,
              blur, coarse dropout), EMAHook and PipelineSwitchHook (the config's share:
              the last sixth of the epochs, at least 2, on its stage-2 pipeline);
              the benchmark's optimizer (Adam 2e-3, warm-up), not AdamW 4e-3 at batch 512;
              run it with --epochs 60, the config's own count (below 0.5x the mean shape
              there; not in 24: docs/regression_family.md)
    rtmpose_stage2 / rtmpose_adamw  the same with the stage-2 pipeline from epoch 0 / with
              the config's AdamW
    rle       td-reg_res50_rle-8xb64-210e_wflw-256x256
    ipr       ipr_res50_8xb64-210e_wflw-256x256
    dsnt      ipr_res50_dsnt-8xb64-210e_wflw-256x256

Besides NME, FR@0.1 and AUC@0.1 it says whether ``keypoint_scores`` tell
good landmarks from bad: the mean score of points whose error is under /
over 0.1 of the inter-ocular distance, and the AUROC of the score for
"error under 0.1" (0.5: no information; constant scores give 0.5).
"""
import argparse
import copy
import json
import os.path as osp
import sys
import time

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

WFLW = 'configs/face_2d_keypoint/'
CONFIGS = dict(
    softwing=WFLW + 'topdown_regression/wflw/td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py',
    rle=WFLW + 'topdown_regression/wflw/td-reg_res50_rle-8xb64-210e_wflw-256x256.py',
    ipr=WFLW + 'integral_regression/wflw/ipr_res50_8xb64-210e_wflw-256x256.py',
    dsnt=WFLW + 'integral_regression/wflw/ipr_res50_dsnt-8xb64-210e_wflw-256x256.py',
    rtmpose=WFLW + 'rtmpose/wflw/rtmpose-m_8xb64-60e_wflw-256x256.py')
#: the RTMPose-t small variant with other settings, for the record: the config's own optimizer
#: (AdamW 4e-3, weight decay 0.05 off norms and biases, the benchmark's warm-up and step), or
#: the config's weaker stage-2 augmentation from the first epoch
CONFIGS.update(rtmpose_adamw=CONFIGS['rtmpose'], rtmpose_stage2=CONFIGS['rtmpose'])
#: where mmpose 1.3.2 keeps the same file, while configs/ does not have it
MMPOSE_CONFIGS = osp.join(REPO_ROOT, '.venv-mmpose', 'lib', 'python3.11', 'site-packages', 'mmpose', '.mim',
                          'configs', 'face_2d_keypoint')
INPUT_SIZE = (48, 48)
HEATMAP_SIZE = (16, 16)
SUBSETS = ('pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur')


def small_variant(config_path: str, data_root: str, work_dir: str, epochs: int, name: str = None):
    """The config on the quick-start recipe: ResNet-18 from scratch, 48x48, 480 faces."""
    from mmengine.config import Config
    path = osp.join(REPO_ROOT, config_path)
    if not osp.isfile(path) and 'rtmpose' in config_path:
        path = osp.join(MMPOSE_CONFIGS, config_path[len(WFLW):])
    cfg = Config.fromfile(path)
    cfg.default_scope = 'mmpose_face'
    head = cfg.model.head
    if head.type == 'RTMCCHead':
        return rtmpose_t_variant(cfg, data_root, work_dir, epochs, name)
    if head.type in ('DSNTHead', 'IntegralRegressionHead'):
        codec = dict(cfg.codec, input_size=INPUT_SIZE, heatmap_size=HEATMAP_SIZE, sigma=1.0)
        head.in_featuremap_size = (2, 2)  # ResNet-18 on 48x48: stride 32, rounded up
        head.deconv_out_channels = (64, 64, 64)  # 256 would cost more than the backbone here
        cfg.model.test_cfg.heatmap_score_radius = 1.5
    else:
        codec = dict(type='RegressionLabel', input_size=INPUT_SIZE)
    cfg.model.backbone = dict(type='ResNet', depth=18, init_cfg=None)
    head.in_channels = 512
    head.decoder = codec
    for pipeline in (cfg.train_dataloader.dataset.pipeline, cfg.val_dataloader.dataset.pipeline):
        for step in pipeline:
            if step['type'] == 'TopdownAffine':
                step['input_size'] = INPUT_SIZE
            if step['type'] == 'GenerateTarget':
                step['encoder'] = codec
    return benchmark_schedule(cfg, data_root, work_dir, epochs)


def benchmark_schedule(cfg, data_root: str, work_dir: str, epochs: int, optimizer: dict = None):
    """The benchmark's data, loaders (batch 16, no workers), optimizer (default Adam 2e-3),
    warm-up and step schedule, NME evaluator with the mean-shape baseline, seed 0."""
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = data_root
    cfg.train_dataloader.batch_size = 16
    cfg.test_dataloader = copy.deepcopy(cfg.val_dataloader)
    cfg.optim_wrapper = optimizer or dict(optimizer=dict(type='Adam', lr=2e-3))
    cfg.auto_scale_lr = dict(enable=False, base_batch_size=16)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs, val_interval=epochs)
    cfg.param_scheduler = [
        dict(type='LinearLR', begin=0, end=30, start_factor=0.05, by_epoch=False),
        dict(type='MultiStepLR', begin=0, end=epochs, milestones=[epochs - 2], gamma=0.1, by_epoch=True)]
    baseline = osp.join(data_root, 'annotations', 'face_landmarks_wflw_train.json')
    cfg.val_evaluator = cfg.test_evaluator = dict(type='NME', baseline_ann_file=baseline, failure_rate_and_auc=True)
    cfg.default_hooks.logger.interval = 50
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=0)
    return cfg


def rtmpose_t_variant(cfg, data_root: str, work_dir: str, epochs: int, name: str = 'rtmpose'):
    """mmpose's RTMPose WFLW config as RTMPose-t on 48x48 crops, on the benchmark's data,
    optimizer and schedule (see the module docstring)."""
    scale = INPUT_SIZE[0] / cfg.codec['input_size'][0]
    codec = dict(cfg.codec, input_size=INPUT_SIZE, sigma=tuple(round(s * scale, 3) for s in cfg.codec['sigma']))
    cfg.model.backbone.update(deepen_factor=0.167, widen_factor=0.375, init_cfg=None, norm_cfg=dict(type='BN'))
    head = cfg.model.head
    head.update(in_channels=384, input_size=INPUT_SIZE, decoder=codec,
                in_featuremap_size=tuple(-(-s // 32) for s in INPUT_SIZE))
    stage2 = cfg.custom_hooks[1].switch_pipeline
    for pipeline in (cfg.train_dataloader.dataset.pipeline, cfg.val_dataloader.dataset.pipeline, stage2):
        for step in pipeline:
            if step['type'] == 'TopdownAffine':
                step['input_size'] = INPUT_SIZE
            if step['type'] == 'GenerateTarget':
                step['encoder'] = codec
    stage2_epochs = max(2, round(epochs * cfg.stage2_num_epochs / cfg.max_epochs))  # 10 of 60 in the config
    cfg.custom_hooks[1].switch_epoch = 0 if name == 'rtmpose_stage2' else max(epochs - stage2_epochs, 1)
    return benchmark_schedule(cfg, data_root, work_dir, epochs,
                              optimizer=cfg.optim_wrapper if name == 'rtmpose_adamw' else None)


def score_separation(runner) -> dict:
    """Scores of the test points split at an error of 0.1 inter-ocular distances."""
    import torch

    from mmpose_face.evaluation.alignment_errors import keypoint_distance, normalised_point_errors
    eye_indices = runner.test_dataloader.dataset.metainfo['nme_keypoint_indices']  # inter-ocular
    errors, scores = [], []
    runner.model.eval()
    with torch.no_grad():
        for batch in runner.test_dataloader:
            for sample in runner.model.test_step(batch):
                pred = sample.pred_instances
                gt = np.asarray(sample.gt_instances.keypoints, np.float64)
                errors.append(normalised_point_errors(
                    np.asarray(pred.keypoints, np.float64), gt,
                    np.asarray(sample.gt_instances.keypoints_visible, np.float64).reshape(gt.shape[:2]),
                    keypoint_distance(gt, eye_indices))[0])
                scores.append(np.asarray(pred.keypoint_scores, np.float64)[0])
    errors, scores = np.concatenate(errors), np.concatenate(scores)
    valid = ~np.isnan(errors)
    errors, scores = errors[valid], scores[valid]
    good = errors < 0.1
    return dict(mean_score_good=float(scores[good].mean()) if good.any() else float('nan'),
                mean_score_bad=float(scores[~good].mean()) if (~good).any() else float('nan'),
                share_bad=float((~good).mean()), auroc_good_vs_bad=auroc(scores[good], scores[~good]))


def auroc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(score of a random good point > score of a random bad one), ties count half."""
    if not len(positive) or not len(negative):
        return float('nan')
    values = np.concatenate([positive, negative])
    order = values.argsort(kind='mergesort')
    ranks = np.empty(len(values))
    ranks[order] = np.arange(1, len(values) + 1)
    for value in np.unique(values):  # average ranks of ties
        tied = values == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    rank_sum = ranks[:len(positive)].sum()
    return float((rank_sum - len(positive) * (len(positive) + 1) / 2) / (len(positive) * len(negative)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--heads', nargs='+', default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--work-dir', default='work_dirs/regression_family')
    parser.add_argument('--json', help='write the results here (merged with an existing file)')
    args = parser.parse_args()

    import torch

    from mmpose_face.apis import build_runner
    from mmpose_face.data_preparation.synthetic.synthetic_wflw_release import make_synthetic_wflw
    from mmpose_face.data_preparation.wflw_release_converter import convert_wflw
    torch.set_num_threads(1)
    data_root = osp.join(args.work_dir, 'data')
    if not osp.isfile(osp.join(data_root, 'annotations', 'face_landmarks_wflw_test.json')):
        make_synthetic_wflw(osp.join(args.work_dir, 'release'), num_train=480, num_test=96, seed=3,
                            progress=False)
        convert_wflw(osp.join(args.work_dir, 'release'), data_root, progress=False)
    results = {}
    if args.json and osp.isfile(args.json):
        with open(args.json) as f:
            results = json.load(f)
    for name in args.heads:
        cfg = small_variant(CONFIGS[name], data_root, osp.join(args.work_dir, name), args.epochs, name)
        start = time.time()
        runner = build_runner(cfg)  # inside mmpose_face.compat's fixes, as tools/train.py
        runner.train()
        metrics = runner.test()
        result = {key: float(value) for key, value in metrics.items()}
        result.update(score_separation(runner), train_and_test_seconds=round(time.time() - start, 1),
                      config=CONFIGS[name], epochs=args.epochs)
        result['beats_baseline_in_every_subset'] = all(
            result[f'NME_{s}'] < result[f'baseline_NME_{s}'] for s in SUBSETS if f'NME_{s}' in result)
        results[name] = result
        print(json.dumps({name: result}, indent=1))
        if args.json:
            with open(args.json, 'w') as f:
                json.dump(results, f, indent=1, sort_keys=True)
    print('| head | NME | FR@0.1 | AUC@0.1 | baseline NME | all subsets beat baseline | '
          'mean score err<0.1 / >=0.1 | AUROC |')
    for name, r in results.items():
        print(f"| {name} | {100 * r['NME']:.2f} | {100 * r['FR@0.1']:.2f} | {100 * r['AUC@0.1']:.2f} | "
              f"{100 * r['baseline_NME']:.2f} | {r['beats_baseline_in_every_subset']} | "
              f"{r['mean_score_good']:.3f} / {r['mean_score_bad']:.3f} | {r['auroc_good_vs_bad']:.3f} |")


if __name__ == '__main__':
    main()
