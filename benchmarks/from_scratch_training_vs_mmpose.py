"""Same small from-scratch training here and in mmpose 1.3.2: does the test NME land in mmpose's spread?

    .venv/bin/python benchmarks/from_scratch_training_vs_mmpose.py [--seeds 0 1 2] [--epochs 6]
        [--train 600 --test 200] [--json OUT]

Draws a synthetic WFLW set (tools/dataset_converters/make_synthetic_wflw.py,
converted by wflw2coco.py), then for each seed trains the quick start's
model (ResNet-18, ``init_cfg=None``, 64x64 crops, the published
augmentation, Soft Wing loss: configs/.../td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py,
shortened to ``--epochs``) with ``randomness.seed`` in both toolboxes: here
with tools/train.py, in .venv-mmpose with mmpose's own tools/train.py on
mmpose's softwingloss config with the same overrides. Each run ends with
its own test; the NMEs (inter-ocular, as fractions) are printed per seed
with mmpose's min-max spread. Before issue 15, ``init_cfg=None`` kept
torchvision's Kaiming initialisation here (test NME 0.030 vs mmpose's 0.056
on a longer run of this kind).
"""
import argparse
import json
import os
import os.path as osp
import re
import subprocess
import sys
import tempfile
import time

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
OUR_CONFIG = 'configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py'
MMPOSE_PYTHON = osp.join(REPO_ROOT, '.venv-mmpose', 'bin', 'python')
MMPOSE_CONFIG_TEMPLATE = '''
_base_ = ['{base}']
train_cfg = dict(max_epochs={epochs}, val_interval={epochs})
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end={epochs}, milestones={milestones}, gamma=0.1, by_epoch=True)]
auto_scale_lr = dict(base_batch_size=32)
codec = dict(type='RegressionLabel', input_size=(64, 64))
model = dict(backbone=dict(depth=18, init_cfg=None), head=dict(in_channels=512, decoder=codec))
data_root = '{data_root}/'
train_pipeline = [
    dict(type='LoadImage'), dict(type='GetBBoxCenterScale'), dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25),
         rotate_factor=60, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']), dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')]
val_pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=codec['input_size']), dict(type='PackPoseInputs')]
train_dataloader = dict(batch_size=32, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(batch_size=64, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval={epochs}, max_keep_ckpts=1))
val_evaluator = dict(type='NME', norm_mode='keypoint_distance')
test_evaluator = val_evaluator
'''


def run(command, env=None, log=None):
    process = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    if log:
        with open(log, 'w') as f:
            f.write(process.stdout + process.stderr)
    if process.returncode:
        raise RuntimeError(f'{" ".join(command)} failed:\n{(process.stdout + process.stderr)[-3000:]}')
    return process.stdout + process.stderr


def last_nme(output: str) -> float:
    # The last evaluation's plain NME (not baseline_NME, which this project's NME also prints).
    return float(re.findall(r'(?<![A-Za-z_])NME: ([0-9.]+)', output)[-1])


def make_data(out_dir: str, train: int, test: int) -> str:
    release, data = osp.join(out_dir, 'release'), osp.join(out_dir, 'synthetic_wflw')
    run([sys.executable, 'tools/dataset_converters/make_synthetic_wflw.py', '--out', release, '--train', str(train),
         '--test', str(test), '--seed', '0', '--no-progress'])
    run([sys.executable, 'tools/dataset_converters/wflw2coco.py', release, data])
    return data


def train_here(seed: int, data_root: str, epochs: int, work_dir: str) -> float:
    milestones = [max(1, epochs - 2), max(1, epochs - 1)]
    # The quick-start config writes out ResNet's default initialisation; here both
    # toolboxes get init_cfg=None (PyTorch's layer defaults), as in mmpose's template.
    options = ['model.backbone.init_cfg=None', f'randomness.seed={seed}', f'train_cfg.max_epochs={epochs}',
               f'train_cfg.val_interval={epochs}',
               f'param_scheduler.1.end={epochs}', f'param_scheduler.1.milestones={milestones}',
               f'default_hooks.checkpoint.interval={epochs}',
               f'train_dataloader.dataset.data_root={data_root}/', f'val_dataloader.dataset.data_root={data_root}/',
               f'test_dataloader.dataset.data_root={data_root}/',
               f'val_evaluator.baseline_ann_file={data_root}/annotations/face_landmarks_wflw_train.json',
               f'test_evaluator.baseline_ann_file={data_root}/annotations/face_landmarks_wflw_train.json']
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    output = run([sys.executable, 'tools/train.py', OUR_CONFIG, '--work-dir', work_dir, '--cfg-options', *options],
                 env=env, log=osp.join(work_dir + '.log'))
    return last_nme(output)


def train_mmpose(seed: int, data_root: str, epochs: int, work_dir: str) -> float:
    import_mmpose = ('import mmpose, os; print(os.path.join(os.path.dirname(mmpose.__file__), ".mim"))')
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env['TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD'] = '1'
    mim = subprocess.run([MMPOSE_PYTHON, '-c', import_mmpose], capture_output=True, text=True, env=env).stdout.strip()
    base = osp.join(mim, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                    'td-reg_res50_softwingloss_8xb64-210e_wflw-256x256.py')
    os.makedirs(work_dir, exist_ok=True)
    config = osp.join(work_dir, 'td-reg_res18_softwingloss_synthetic-64x64.py')
    with open(config, 'w') as f:
        f.write(MMPOSE_CONFIG_TEMPLATE.format(base=base, epochs=epochs, data_root=data_root,
                                              milestones=[max(1, epochs - 2), max(1, epochs - 1)]))
    output = run([MMPOSE_PYTHON, osp.join(mim, 'tools', 'train.py'), config, '--work-dir', work_dir,
                  '--cfg-options', f'randomness.seed={seed}'], env=env, log=osp.join(work_dir + '.log'))
    return last_nme(output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--epochs', type=int, default=6)
    parser.add_argument('--train', type=int, default=600)
    parser.add_argument('--test', type=int, default=200)
    parser.add_argument('--json')
    args = parser.parse_args()
    start = time.time()
    results = dict(settings=vars(args), mmpose_face={}, mmpose={})
    with tempfile.TemporaryDirectory() as out_dir:
        data_root = make_data(out_dir, args.train, args.test)
        for seed in args.seeds:
            results['mmpose_face'][seed] = train_here(seed, data_root, args.epochs, osp.join(out_dir, f'ours_{seed}'))
            results['mmpose'][seed] = train_mmpose(seed, data_root, args.epochs, osp.join(out_dir, f'mmpose_{seed}'))
            print(f'seed {seed}: test NME here {results["mmpose_face"][seed]:.4f}, '
                  f'mmpose {results["mmpose"][seed]:.4f}', flush=True)
    theirs = list(results['mmpose'].values())
    ours = list(results['mmpose_face'].values())
    inside = [min(theirs) <= v <= max(theirs) for v in ours]
    results.update(mmpose_spread=[min(theirs), max(theirs)], inside_spread=inside, seconds=time.time() - start)
    print(f'mmpose spread {min(theirs):.4f}-{max(theirs):.4f}; here {ours}; '
          f'{sum(inside)} of {len(ours)} inside ({time.time() - start:.0f} s)')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
