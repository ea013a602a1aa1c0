"""Does the fast path train as well as the reference path? One config, both ways, one test NME each.

    .venv/bin/python benchmarks/fast_path_learning.py --json out.json        # ResNet-18, 128 px, CPU
    .venv/bin/python benchmarks/fast_path_learning.py --input-size 48 --epochs 6 --train-faces 240  # quicker
    .venv/bin/python benchmarks/fast_path_learning.py --sizes wflw ...   # on WFLW's photo and face sizes

A synthetic WFLW-format set is generated (``make_synthetic_wflw``, then the
release converter, as the quick start does; ``--sizes wflw``: with WFLW's
photo and face sizes, 1024 px wide photos); the quick start's config
(``td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py``: ResNet-18
from scratch, the published augmentation, Soft Wing loss) is sized to
``--input-size`` and ``--epochs``, then trained with the reference pipeline
and with its fast-path twin (``to_fast_path_config``: only the loader, the
loop, the preprocessor's type and the per-step loss check change), same
seed, float32 on the CPU. ``--photometric`` (the default) adds
``PhotometricDistortion`` (mmpose's defaults) after ``TopdownAffine`` in
the train pipeline, which the fast path runs per crop on the host.
Each is tested on the synthetic test split.
Reported: both NMEs, their ratio (the target: the fast path within 10 %),
the mean-shape baseline and the wall time of each run. ``--crop-size N``
gives the cache that largest side instead of the lossless one (a face whose
covered square fits is kept at source pixels, so with a large N every face
is, and the host warp is the reference's); ``--paths`` runs one path only.
"""
import argparse
import copy
import json
import os.path as osp
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

DEMO_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                       'td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py')


def make_data(root: str, train_faces: int, test_faces: int, seed: int, sizes: str = 'small') -> str:
    from mmpose_face.data_preparation.synthetic.synthetic_wflw_release import make_synthetic_wflw
    from mmpose_face.data_preparation.wflw_release_converter import convert_wflw
    make_synthetic_wflw(osp.join(root, 'release'), num_train=train_faces, num_test=test_faces, seed=seed,
                        progress=False, sizes=sizes)
    convert_wflw(osp.join(root, 'release'), osp.join(root, 'data'), progress=False)
    return osp.join(root, 'data')


def reference_config(data_root: str, work_dir: str, input_size: int, epochs: int, batch_size: int,
                     workers: int, seed: int, photometric: bool = True):
    """The quick start's config at ``input_size`` px for ``epochs`` epochs, tested at the end only;
    with ``PhotometricDistortion`` after ``TopdownAffine`` in the train pipeline if ``photometric``."""
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO_CONFIG)
    codec = dict(type='RegressionLabel', input_size=(input_size, input_size))
    cfg.model.head.decoder = codec
    for pipeline in (cfg.train_dataloader.dataset.pipeline, cfg.val_dataloader.dataset.pipeline):
        for step in pipeline:
            if step['type'] == 'TopdownAffine':
                step['input_size'] = codec['input_size']
            if step['type'] == 'GenerateTarget':
                step['encoder'] = codec
    if photometric:
        train = cfg.train_dataloader.dataset.pipeline
        warp = next(i for i, step in enumerate(train) if step['type'] == 'TopdownAffine')
        train.insert(warp + 1, dict(type='PhotometricDistortion'))
    for loader in ('train_dataloader', 'val_dataloader'):
        cfg[loader].update(num_workers=workers, persistent_workers=workers > 0)
        cfg[loader].dataset.data_root = data_root
    cfg.train_dataloader.batch_size = batch_size
    cfg.test_dataloader = copy.deepcopy(cfg.val_dataloader)
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs, val_interval=epochs)
    warmup = max(1, min(100, epochs))
    cfg.param_scheduler = [
        dict(type='LinearLR', begin=0, end=warmup, start_factor=0.05, by_epoch=False),
        dict(type='MultiStepLR', begin=0, end=epochs, milestones=[max(1, epochs - 2)], gamma=0.1, by_epoch=True)]
    baseline = osp.join(data_root, 'annotations', 'face_landmarks_wflw_train.json')
    cfg.val_evaluator = cfg.test_evaluator = dict(type='NME', baseline_ann_file=baseline)
    cfg.default_hooks.logger.interval = 50
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    return cfg


def train_and_test(cfg) -> dict:
    from mmengine.runner import Runner
    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    return dict(NME=float(metrics['NME']), baseline_NME=float(metrics['baseline_NME']),
                seconds=time.perf_counter() - start, iterations=runner.iter)


def compare(data_root: str, scratch: str, input_size: int, epochs: int, batch_size: int, workers: int,
            seed: int = 0, photometric: bool = True, crop_size='lossless',
            paths=('reference', 'fast_path')) -> dict:
    """``paths`` on the same data and config; returns their metrics and (both run) the NME ratio."""
    from mmpose_face.fast_path import to_fast_path_config
    reference = reference_config(data_root, osp.join(scratch, 'reference'), input_size, epochs, batch_size,
                                 workers, seed, photometric)
    fast = to_fast_path_config(reference, cache_dir=osp.join(scratch, 'cache'), warp='host', num_workers=workers,
                               crop_size=crop_size)
    fast.work_dir = osp.join(scratch, 'fast')
    configs = dict(reference=reference, fast_path=fast)
    out = {path: train_and_test(configs[path]) for path in paths}
    if len(out) == 2:
        out['nme_ratio_fast_over_reference'] = out['fast_path']['NME'] / out['reference']['NME']
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--input-size', type=int, default=128)
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--train-faces', type=int, default=960)
    parser.add_argument('--test-faces', type=int, default=192)
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--workers', type=int, default=0, help='loader workers of both paths')
    parser.add_argument('--threads', type=int, default=2, help='torch threads')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--photometric', action=argparse.BooleanOptionalAction, default=True,
                        help='PhotometricDistortion after TopdownAffine in the train pipeline')
    parser.add_argument('--sizes', choices=('small', 'wflw'), default='small',
                        help="the synthetic set's photo and face sizes ('wflw': WFLW's, see docs/benchmarks.md)")
    parser.add_argument('--crop-size', type=lambda text: text if text == 'lossless' else int(text),
                        default='lossless', help="the cache's largest crop side (default: lossless)")
    parser.add_argument('--paths', nargs='+', choices=('reference', 'fast_path'), default=['reference', 'fast_path'])
    parser.add_argument('--json')
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as scratch:
        data_root = make_data(scratch, args.train_faces, args.test_faces, seed=3, sizes=args.sizes)
        result = compare(data_root, scratch, args.input_size, args.epochs, args.batch, args.workers, args.seed,
                         args.photometric, args.crop_size, args.paths)
    result.update(vars(args))
    for path in args.paths:
        row = result[path]
        print(f"{path:<10} test NME {row['NME']:.4f} (mean-shape baseline {row['baseline_NME']:.4f}), "
              f"{row['iterations']} iterations in {row['seconds']:.0f} s")
    if 'nme_ratio_fast_over_reference' in result:
        print(f"fast / reference NME: {result['nme_ratio_fast_over_reference']:.3f} (target <= 1.10)")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
