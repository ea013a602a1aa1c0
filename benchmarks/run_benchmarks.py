"""Speed of mmpose_face on this machine, next to mmpose 1.3.2 measured in the same run.

    .venv/bin/python benchmarks/run_benchmarks.py                  # everything, CPU or GPU
    .venv/bin/python benchmarks/run_benchmarks.py --sections data --json out.json

Sections (all by default):

- ``data``: data pipeline throughput, samples/s on ONE CPU core
  (``torch.set_num_threads(1)``, ``cv2.setNumThreads(1)``), medians over
  ``--repeats``: our reference train and val pipelines (the published config,
  256x256) on the two WFLW photographs in ``tests/data`` (4 faces, every
  sample decodes its photograph), and the fast path: cached crops warped,
  normalised and given targets by ``FastPoseDataPreprocessor`` in batches
  (on the CPU here; on the GPU too when there is one, driven by one core).
  The one-off cache build is reported per face. Next to them, in the same
  rounds, mmpose 1.3.2's train and val pipelines on the same photographs,
  via ``.venv-mmpose/bin/python benchmarks/mmpose_pipeline_throughput.py``
  (``--skip-mmpose`` leaves them out).
- ``train``: ResNet-50 256x256 training steps (Adam, the published model),
  images/s: the step alone on a fixed batch, with the fast path in the loop,
  and with the reference pipeline (a DataLoader with ``--ref-workers``
  processes) in the loop. GPU: bf16 autocast + channels-last, batch
  ``--train-batch`` (default 256); CPU: float32, a small batch, few steps.
- ``inference``: latency per face (batch 1, flip test as published) and
  throughput for a batch of faces.
- ``projection``: wall time of the full schedule (7,500 faces x 210 epochs =
  1.575 M samples, plus 21 validations of 2,500 faces) at the measured rates.

Prints the hardware first; ``--json`` also writes every figure to a file.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from timing import cpu_model, rates, single_core, summary, usable_cores  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                  'td-reg_res50_8xb64-210e_wflw-256x256.py')
FAST_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                       'td-reg_res50_fastpath-210e_wflw-256x256.py')
DATA_ROOT = osp.join(REPO, 'tests', 'data')
ANN_FILE = 'test_wflw.json'
MMPOSE_PYTHON = osp.join(REPO, '.venv-mmpose', 'bin', 'python')
TRAIN_FACES, EPOCHS, VAL_FACES, VALIDATIONS = 7500, 210, 2500, 21


def hardware(device: torch.device) -> dict:
    info = dict(cpu=cpu_model(), cores=usable_cores(), torch=torch.__version__, device=str(device))
    if device.type == 'cuda':
        info['gpu'] = torch.cuda.get_device_name(device)
    return info


def wflw_dataset(pipeline=(), test_mode=False):
    from mmengine.registry import init_default_scope

    from mmpose_face.datasets import WFLWDataset
    init_default_scope('mmpose_face')
    return WFLWDataset(ann_file=ANN_FILE, data_root=DATA_ROOT, data_prefix=dict(img=''),
                       pipeline=list(pipeline), test_mode=test_mode)


def published_config(depth: int = 50, input_size=(256, 256)):
    """The published config, its backbone depth and input size changed (pipelines and codec too)."""
    return sized_config(CONFIG, depth, input_size)


def sized_config(path, depth: int = 50, input_size=(256, 256)):
    from mmengine.config import Config
    cfg = Config.fromfile(path)
    codec = dict(type='RegressionLabel', input_size=tuple(input_size))
    cfg.model.backbone.depth = depth
    cfg.model.head.in_channels = 512 if depth < 50 else 2048
    cfg.model.head.decoder = codec
    for pipeline in (cfg.train_pipeline, cfg.val_pipeline):
        for step in pipeline:
            if step['type'] == 'TopdownAffine':
                step['input_size'] = tuple(input_size)
            if step['type'] == 'GenerateTarget':
                step['encoder'] = codec
    return cfg


def fast_preprocessor(device, dataset):
    """The fast config's preprocessor on ``device``, bound to ``dataset`` (as the fast loop binds it)."""
    from mmengine.config import Config

    from mmpose_face.registry import MODELS
    preprocessor = MODELS.build(Config.fromfile(FAST_CONFIG).model.data_preprocessor).to(device)
    preprocessor.bind(dataset.cache, dataset.augmentor)
    return preprocessor


def cached_dataset(cache_dir, crop_size='lossless', warp='host', depth=50, input_size=(256, 256)):
    """The 4 test faces as the fast path's training set, with the published train pipeline."""
    from mmpose_face.fast_path import CachedFaceDataset
    return CachedFaceDataset(wflw_dataset(published_config(depth, input_size).train_pipeline), cache_dir=cache_dir,
                             crop_size=crop_size, warp=warp)


def face_batch(batch_size: int, seed: int = 0):
    """A fast-path batch request of ``batch_size`` faces (the cache repeats its 4 faces)."""
    from mmpose_face.fast_path import FaceBatch
    return FaceBatch(tuple(np.random.default_rng(seed).integers(0, 4, batch_size).tolist()), seed)


def fast_loader(dataset, batch_size: int, workers: int, pin_memory: bool = False):
    """The fast config's loader: FaceBatchSampler over ShardShuffleSampler, endless."""
    from mmpose_face.fast_path import FaceBatchSampler, ShardShuffleSampler, face_batch_collate
    sampler = FaceBatchSampler(ShardShuffleSampler(range(10**6), seed=0), batch_size)
    return torch.utils.data.DataLoader(dataset, batch_sampler=sampler, collate_fn=face_batch_collate,
                                       num_workers=workers, persistent_workers=workers > 0, pin_memory=pin_memory)


def synchronize(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


# ------------------------------------------------------------------ data pipelines
def bench_data(args, device, cache_dir) -> dict:
    """Every data path measured in rounds, one repeat of each per round (and
    mmpose's in its own process each round), so that a shared machine's
    drifting load falls on all of them alike.

    The reference pipelines as a loader consumes them: ``dataset[i]`` of the
    built data set (a deep copy of the item, the pipeline, packing: uint8
    crop, targets, sample). The fast path to the same point:
    ``dataset.__getitems__(batch)`` (draws, warp matrices, keypoints and, on
    the CPU, the warps) then ``preprocessor.data_samples`` (``encode_batch``,
    one PoseDataSample per face): ``fast_path_<cache>_cpu``; with the
    preprocessor's normalisation too (which both paths do on the model's
    device): ``..._normalised``; on a GPU (device warp, batch 512):
    ``fast_path_<cache>_cuda_normalised``."""
    single_core()
    cfg = published_config()
    measurements = {}  # name -> (run_once, samples per run)
    for name, pipeline in (('train', cfg.train_pipeline), ('val', cfg.val_pipeline)):
        dataset = wflw_dataset(pipeline, test_mode=name == 'val')

        def run_once(dataset=dataset):
            for _ in range(args.passes):
                for index in range(len(dataset)):
                    dataset[index]

        measurements[f'reference_{name}_pipeline'] = (run_once, args.passes * len(dataset))
    extra = {}
    for crop_size in ('lossless', 512):
        tag = 'lossless' if crop_size == 'lossless' else f'S{crop_size}'
        for target in ['cpu'] + (['cuda'] if device.type == 'cuda' else []):
            dataset = cached_dataset(osp.join(cache_dir, 'data', tag), crop_size,
                                     warp='host' if target == 'cpu' else 'device')
            batch_size = args.fast_batch if target == 'cpu' else 512

            preprocessor = fast_preprocessor(torch.device(target), dataset)

            def loaded(dataset=dataset, preprocessor=preprocessor, target=torch.device(target),
                       request=face_batch(batch_size)):
                """What mmpose's dataset[i] gives, for a batch: crops, targets, samples."""
                batch = dataset.__getitems__(request)
                preprocessor.data_samples(batch)
                synchronize(target)

            def normalised(dataset=dataset, preprocessor=preprocessor, target=torch.device(target),
                           request=face_batch(batch_size)):
                """... and the preprocessor's normalisation (both paths do it on the model's device)."""
                preprocessor(dataset.__getitems__(request), training=True)
                synchronize(target)

            names = [f'fast_path_{tag}_{target}_normalised']
            measurements[names[0]] = (normalised, batch_size)
            if target == 'cpu':
                names.append(f'fast_path_{tag}_{target}')
                measurements[names[1]] = (loaded, batch_size)
            for name in names:
                extra[name] = dict(batch=batch_size, crop_size=dataset.cache.crop_size)
    np.random.seed(0)
    for run_once, _ in measurements.values():  # warm-up
        run_once()
    measured = {name: [] for name in measurements}
    mmpose_rounds = []
    for _ in range(args.repeats):
        for name, (run_once, samples) in measurements.items():
            measured[name] += rates(run_once, samples, repeats=1, warmup=0)
        if not args.skip_mmpose:
            mmpose_rounds.append(bench_mmpose(args))
    out = {name: dict(summary(values), **extra.get(name, {})) for name, values in measured.items()}
    if mmpose_rounds:
        out['mmpose'] = merge_mmpose_rounds(mmpose_rounds)
    if args.build_copies:
        for crop_size in ('lossless', 512):
            tag = 'lossless' if crop_size == 'lossless' else f'S{crop_size}'
            out[f'cache_build_{tag}'] = bench_cache_build(crop_size, osp.join(cache_dir, 'build'), args.build_copies)
    torch.set_num_threads(args.threads)
    return out


def merge_mmpose_rounds(rounds: list) -> dict:
    """One dict from the per-round results of mmpose_pipeline_throughput.py."""
    good = [result for result in rounds if 'train_pipeline' in result]
    if not good:
        return rounds[-1]
    merged = {key: value for key, value in good[0].items() if not key.endswith('_pipeline')}
    for name in ('train_pipeline', 'val_pipeline'):
        values = [result[name]['median'] for result in good]
        merged[name] = dict(summary(values), steps=good[0][name]['steps'], faces=good[0][name]['faces'])
    return merged


def bench_cache_build(crop_size, scratch: str, copies: int) -> dict:
    """One-off cost of the cache on one core: ``copies`` x the 2 photographs
    under distinct names (each decoded once, as WFLW's ~1.3 faces per image)."""
    from mmpose_face.datasets import WFLWDataset
    from mmpose_face.fast_path import CachedFaceDataset
    root = osp.join(scratch, 'photos')
    os.makedirs(root, exist_ok=True)
    with open(osp.join(DATA_ROOT, ANN_FILE)) as f:
        coco = json.load(f)
    images, annotations = [], []
    for copy in range(copies):
        for image in coco['images']:
            name = f'{copy}_{image["file_name"]}'
            if not osp.exists(osp.join(root, name)):
                os.symlink(osp.join(DATA_ROOT, image['file_name']), osp.join(root, name))
            images.append(dict(image, id=copy * 1000 + image['id'], file_name=name))
        annotations += [dict(ann, id=copy * 1000 + ann['id'], image_id=copy * 1000 + ann['image_id'])
                        for ann in coco['annotations']]
    with open(osp.join(root, 'replicated.json'), 'w') as f:
        json.dump(dict(coco, images=images, annotations=annotations), f)
    dataset = WFLWDataset(ann_file='replicated.json', data_root=root, data_prefix=dict(img=''),
                          pipeline=published_config().train_pipeline)
    start = time.perf_counter()
    cached = CachedFaceDataset(dataset, crop_size=crop_size, cache_dir=osp.join(scratch, 'cache'), num_threads=1)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    CachedFaceDataset(dataset, crop_size=crop_size, cache_dir=osp.join(scratch, 'cache'))
    reopen = time.perf_counter() - start
    faces = len(cached.cache)
    return dict(faces=faces, images=len(images), threads=1, ms_per_face=1e3 * seconds / faces,
                reopen_seconds=reopen, crop_size=cached.cache.crop_size,
                megabytes_per_face=cached.cache.nbytes / len(cached.cache) / 1e6)


def bench_mmpose(args) -> dict:
    if not osp.isfile(MMPOSE_PYTHON):
        return dict(skipped=f'{MMPOSE_PYTHON} not found: run benchmarks/mmpose_reference/setup_env.sh')
    command = [MMPOSE_PYTHON, osp.join(REPO, 'benchmarks', 'mmpose_pipeline_throughput.py'),
               '--data-root', DATA_ROOT, '--ann-file', ANN_FILE, '--repeats', '1', '--passes', str(args.passes)]
    finished = subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                              env=dict(os.environ, OMP_NUM_THREADS='1', TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1'))
    if finished.returncode != 0:
        return dict(failed=finished.stderr[-2000:])
    return json.loads(finished.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ model
def build_model(device, fast: bool, depth: int = 50, input_size=(256, 256)):
    """The published model (random weights: no download), ResNet-``depth``, on ``device``;
    ``fast``: the fast config's (its preprocessor, no per-step finite-loss check)."""
    from mmengine.registry import init_default_scope

    from mmpose_face.registry import MODELS
    init_default_scope('mmpose_face')
    cfg = sized_config(FAST_CONFIG if fast else CONFIG, depth, input_size)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.dataset_meta = dict(flip_indices=wflw_dataset().metainfo['flip_indices'])
    model.to(device)
    if device.type == 'cuda':
        model.to(memory_format=torch.channels_last)
    return model


def optim_wrapper(model, device):
    from mmpose_face.engine import AutocastOptimWrapper
    return AutocastOptimWrapper(optimizer=torch.optim.Adam(model.parameters(), lr=5e-4),
                                enabled=device.type == 'cuda')


def synthetic_batch(batch_size: int, device, input_size=(256, 256)) -> dict:
    """Normalised inputs and per-face samples with targets already on the device (the step alone)."""
    from mmengine.structures import InstanceData

    from mmpose_face.structures import PoseDataSample
    w, h = input_size
    inputs = torch.randn(batch_size, 3, h, w, device=device)
    if device.type == 'cuda':
        inputs = inputs.contiguous(memory_format=torch.channels_last)
    labels, weights = torch.rand(batch_size, 98, 2, device=device), torch.ones(batch_size, 98, device=device)
    samples = []
    for index in range(batch_size):
        sample = PoseDataSample(metainfo=dict(img_path='synthetic'))
        sample.gt_instance_labels = InstanceData(keypoint_labels=labels[index:index + 1],
                                                 keypoint_weights=weights[index:index + 1])
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


class _Repeated(torch.utils.data.Dataset):
    """``length`` items cycling over a small dataset."""

    def __init__(self, dataset, length):
        self.dataset, self.length = dataset, length

    def __len__(self):
        return self.length

    def __getitem__(self, index):
        return self.dataset[index % len(self.dataset)]


def bench_train(args, device, cache_dir) -> dict:
    """The training loops, measured in rounds (one repeat of each per round): the
    step alone on a fixed batch, the fast path fed by its loader (``--fast-workers``
    processes; crops warped by them on the CPU, by the preprocessor on a GPU) and
    the reference pipeline fed by a DataLoader with ``--ref-workers`` processes."""
    from mmengine.dataset import pseudo_collate
    torch.set_num_threads(args.threads)
    batch_size, steps, depth, input_size = args.train_batch, args.train_steps, args.depth, tuple(args.input_size)
    gpu = device.type == 'cuda'
    out = dict(batch=batch_size, steps=steps, model=f'ResNet-{depth}', input_size=list(input_size),
               threads=args.threads, precision='bf16 autocast + channels_last' if gpu else 'float32')

    def model_step(model, wrapper, batch):  # forward, loss, backward, Adam: no data work
        with wrapper.optim_context(model):
            losses = model(batch['inputs'], batch['data_samples'], mode='loss')
        loss, _ = model.parse_losses(losses)
        wrapper.update_params(loss)

    def train_step(model, wrapper, batch):  # what the runner calls, preprocessor included
        model.train_step(batch, wrapper)

    model = build_model(device, True, depth, input_size)
    model.train()
    wrapper = optim_wrapper(model, device)
    fixed = synthetic_batch(batch_size, device, input_size)
    dataset = cached_dataset(osp.join(cache_dir, f'train_{input_size[0]}'), warp='device' if gpu else 'host',
                             depth=depth, input_size=input_size)
    model.data_preprocessor.bind(dataset.cache, dataset.augmentor)  # as FastEpochBasedTrainLoop does
    fast_workers = args.fast_workers if args.fast_workers is not None else (2 if gpu else 2)
    fast_batches = iter(fast_loader(dataset, batch_size, fast_workers, pin_memory=gpu))
    reference = build_model(device, False, depth, input_size)
    reference.train()
    reference_wrapper = optim_wrapper(reference, device)
    workers = args.ref_workers if args.ref_workers is not None else (max(1, usable_cores() - 1) if gpu else 2)
    loader = torch.utils.data.DataLoader(
        _Repeated(wflw_dataset(published_config(depth, input_size).train_pipeline), 10**7), batch_size=batch_size,
        num_workers=workers, collate_fn=pseudo_collate, persistent_workers=workers > 0, shuffle=False)
    iterator = iter(loader)
    variants = dict(
        step_only=(model, wrapper, lambda: fixed, model_step),
        fast_path_in_loop=(model, wrapper, lambda: next(fast_batches), train_step),
        reference_pipeline_in_loop=(reference, reference_wrapper, lambda: next(iterator), train_step))
    for variant_model, variant_wrapper, next_batch, step in variants.values():
        for _ in range(args.warmup_steps):
            step(variant_model, variant_wrapper, next_batch())
    synchronize(device)
    measured = {name: [] for name in variants}
    for _ in range(args.repeats_train):
        for name, (variant_model, variant_wrapper, next_batch, step) in variants.items():
            start = time.perf_counter()
            for _ in range(steps):
                step(variant_model, variant_wrapper, next_batch())
            synchronize(device)
            measured[name].append(batch_size * steps / (time.perf_counter() - start))
    for name, values in measured.items():
        out[name] = dict(summary(values), seconds_per_step=batch_size / statistics.median(values))
    out['fast_path_in_loop']['loader_workers'] = fast_workers
    out['reference_pipeline_in_loop']['loader_workers'] = workers
    if gpu:  # any op in the step that waits for the GPU raises here
        batches = [next(fast_batches) for _ in range(3)]
        torch.cuda.set_sync_debug_mode('error')
        try:
            for batch in batches:
                train_step(model, wrapper, batch)
            out['host_syncs_in_fast_step'] = 'none'
        except RuntimeError as error:
            out['host_syncs_in_fast_step'] = str(error).splitlines()[0][:300]
        finally:
            torch.cuda.set_sync_debug_mode(0)
    del iterator, loader, fast_batches
    return out


def bench_batch_next_to_cache(args, device, cache_dir) -> dict:
    """Fast-path steps at the published effective batch (``--big-batch``, 512)
    with the device holding as much as the WFLW training cache would (the 4
    real faces' cache plus a placeholder for the rest: ``--cache-gigabytes``
    in all, default the former 7,500 lossless 716 px slots, 11.5 GB;
    gpu_check.sh passes the per-face-resolution cache's projection): does it
    fit, how fast, what peak memory."""
    from mmpose_face.fast_path.face_crop_cache import lossless_crop_size
    gpu = device.type == 'cuda'
    batch_size, input_size = args.big_batch, tuple(args.input_size)
    dataset = cached_dataset(osp.join(cache_dir, f'big_{input_size[0]}'), warp='device' if gpu else 'host',
                             depth=args.depth, input_size=input_size)
    crop_size = lossless_crop_size(np.array([[100., 100.]]), dataset.settings)
    faces = TRAIN_FACES if gpu else args.placeholder_faces
    cache_bytes = (faces * 3 * crop_size ** 2 if args.cache_gigabytes is None
                   else int(args.cache_gigabytes * 1e9 * faces / TRAIN_FACES))
    placeholder = torch.empty(max(0, cache_bytes - dataset.cache.nbytes), dtype=torch.uint8, device=device)
    model = build_model(device, True, args.depth, input_size)
    model.train()
    wrapper = optim_wrapper(model, device)
    model.data_preprocessor.bind(dataset.cache, dataset.augmentor)
    batches = iter(fast_loader(dataset, batch_size, args.fast_workers or 2, pin_memory=gpu))
    out = dict(batch=batch_size, cache_faces=faces, cache_crop_size=crop_size,
               cache_gigabytes=cache_bytes / 1e9)
    try:
        if gpu:
            torch.cuda.reset_peak_memory_stats(device)
        for _ in range(args.warmup_steps):
            model.train_step(next(batches), wrapper)
        synchronize(device)
        start = time.perf_counter()
        for _ in range(args.train_steps):
            model.train_step(next(batches), wrapper)
        synchronize(device)
        out['images_per_second'] = batch_size * args.train_steps / (time.perf_counter() - start)
        out['fits'] = True
        if gpu:
            out['peak_gigabytes'] = torch.cuda.max_memory_allocated(device) / 1e9
            out['device_gigabytes'] = torch.cuda.get_device_properties(device).total_memory / 1e9
    except torch.OutOfMemoryError as error:
        out['fits'] = False
        out['error'] = str(error).splitlines()[0][:300]
    del placeholder, batches
    return out


def bench_inference(args, device) -> dict:
    torch.set_num_threads(args.threads)
    model = build_model(device, True, args.depth, tuple(args.input_size))
    model.eval()
    autocast = dict(device_type=device.type, dtype=torch.bfloat16, enabled=device.type == 'cuda')
    out = dict(flip_test=True, precision='bf16 autocast + channels_last' if device.type == 'cuda' else 'float32')

    def forward(inputs):  # the published test: the crop and its mirror image, averaged
        with torch.inference_mode(), torch.autocast(**autocast):
            features = model.head(model.extract_feat(inputs)), model.head(model.extract_feat(inputs.flip(-1)))
        synchronize(device)
        return features

    w, h = args.input_size
    single = torch.randn(1, 3, h, w, device=device)
    latencies = []
    for index in range(args.latency_repeats + 2):
        start = time.perf_counter()
        forward(single)
        if index >= 2:
            latencies.append(time.perf_counter() - start)
    out['latency_ms_per_face'] = dict(median=1e3 * statistics.median(latencies), min=1e3 * min(latencies),
                                      repeats=len(latencies))
    batch = torch.randn(args.infer_batch, 3, h, w, device=device)
    if device.type == 'cuda':
        batch = batch.contiguous(memory_format=torch.channels_last)
    out['batch_throughput'] = dict(summary(rates(lambda: forward(batch), args.infer_batch, args.repeats_train)),
                                   batch=args.infer_batch)
    return out


def projection(results: dict) -> dict:
    """Full schedule at the measured rates: training plus 21 validations."""
    samples = TRAIN_FACES * EPOCHS
    out = dict(train_samples=samples)
    train = results.get('train', {})
    for key in ('fast_path_in_loop', 'reference_pipeline_in_loop', 'step_only'):
        if key in train:
            out[f'train_minutes_{key}'] = samples / train[key]['median'] / 60
    build = results.get('data', {}).get('cache_build_lossless')
    if build:
        threads = min(8, usable_cores())  # CachedFaceDataset's default decoding threads
        out['cache_build_minutes_once'] = TRAIN_FACES * build['ms_per_face'] / 1e3 / threads / 60
    val_rate = results.get('data', {}).get('reference_val_pipeline', {}).get('median')
    infer = results.get('inference', {}).get('batch_throughput', {}).get('median')
    if val_rate and infer:
        workers = max(1, usable_cores() - 1)
        per_face = 1 / min(val_rate * workers, infer)  # val loader workers vs the model
        out['validation_minutes'] = VALIDATIONS * VAL_FACES * per_face / 60
        out['validation_loader_workers'] = workers
    return out


def print_report(results: dict) -> None:
    hw = results['hardware']
    print(f"\nHardware: {hw['cpu']}, {hw['cores']} usable cores, torch {hw['torch']}, "
          f"device {hw['device']}{' (' + hw['gpu'] + ')' if 'gpu' in hw else ''}")
    data = results.get('data', {})
    mmpose = data.get('mmpose', {})
    if data or mmpose:
        print('\nData pipelines, samples/s on one CPU core (median [min-max]):')
        rows = [('ours, reference train pipeline', data.get('reference_train_pipeline')),
                ('ours, reference val pipeline', data.get('reference_val_pipeline')),
                ('mmpose 1.3.2 train pipeline', mmpose.get('train_pipeline')),
                ('mmpose 1.3.2 val pipeline', mmpose.get('val_pipeline'))]
        rows += [(f'ours, fast path ({key[len("fast_path_"):]}, batch {value["batch"]})', value)
                 for key, value in data.items() if key.startswith('fast_path_')]
        for label, value in rows:
            if value:
                print(f"  {label:<52} {value['median']:9.1f}  [{value['min']:.1f}-{value['max']:.1f}]")
        base = (mmpose.get('train_pipeline') or {}).get('median')
        if base:
            for key, value in data.items():
                if key.startswith('fast_path_') or key == 'reference_train_pipeline':
                    print(f'  ratio {key} / mmpose train: {value["median"] / base:.1f}x')
        for key, value in data.items():
            if key.startswith('cache_build_'):
                print(f"  {key}: {value['ms_per_face']:.1f} ms/face once on one core ({value['faces']} faces, "
                      f"{value['images']} photos), {value['crop_size']} px, {value['megabytes_per_face']:.2f} MB/face;"
                      f" reopening {value['reopen_seconds']:.2f} s")
        if 'skipped' in mmpose or 'failed' in mmpose:
            print(f"  mmpose: {mmpose.get('skipped') or mmpose.get('failed')}")
    train = results.get('train')
    if train:
        print(f"\n{train['model']} {train['input_size'][0]}x{train['input_size'][1]} training, images/s "
              f"(batch {train['batch']}, {train['precision']}, {train['threads']} torch threads):")
        for key in ('step_only', 'fast_path_in_loop', 'reference_pipeline_in_loop'):
            value = train[key]
            extra = f" ({value['loader_workers']} loader workers)" if 'loader_workers' in value else ''
            print(f"  {key:<28} {value['median']:9.2f}  [{value['min']:.2f}-{value['max']:.2f}]  "
                  f"{value['seconds_per_step']:.3f} s/step{extra}")
        if 'host_syncs_in_fast_step' in train:
            print(f"  host synchronisations in a fast-path step: {train['host_syncs_in_fast_step']}")
    infer = results.get('inference')
    if infer:
        print(f"\nInference ({infer['precision']}, flip test): "
              f"{infer['latency_ms_per_face']['median']:.1f} ms per face at batch 1; "
              f"{infer['batch_throughput']['median']:.1f} faces/s at batch {infer['batch_throughput']['batch']}")
    big = results.get('batch_next_to_cache')
    if big:
        print(f"\nBatch {big['batch']} next to a {big['cache_gigabytes']:.1f} GB cache ({big['cache_faces']} faces): "
              + (f"fits, {big['images_per_second']:.1f} images/s"
                 + (f", peak {big['peak_gigabytes']:.1f} of {big['device_gigabytes']:.0f} GB" if 'peak_gigabytes' in big
                    else '') if big.get('fits') else f"does not fit: {big.get('error')}"))
    proj = results.get('projection')
    if proj:
        print(f"\nFull schedule ({proj['train_samples'] / 1e6:.3f} M training samples):")
        for key, value in proj.items():
            if key.endswith('minutes') or '_minutes_' in key:
                print(f'  {key:<40} {value:10.1f} min')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sections', default='data,train,inference,projection',
                        help='any of data, train, batch512, inference, projection')
    parser.add_argument('--skip-mmpose', action='store_true', help='leave out mmpose in the data section')
    parser.add_argument('--device', default='auto', help="'auto', 'cpu' or 'cuda'")
    parser.add_argument('--repeats', type=int, default=5, help='rounds of the data measurements')
    parser.add_argument('--passes', type=int, default=10, help='passes over the 4 faces per data repeat')
    parser.add_argument('--fast-batch', type=int, default=64, help='fast-path batch on the CPU')
    parser.add_argument('--build-copies', type=int, default=25,
                        help='photo copies for the cache build timing (0: leave it out)')
    parser.add_argument('--train-batch', type=int, default=None, help='default 256 on GPU, 4 on CPU')
    parser.add_argument('--train-steps', type=int, default=None, help='timed steps per repeat (20 GPU, 2 CPU)')
    parser.add_argument('--warmup-steps', type=int, default=None)
    parser.add_argument('--repeats-train', type=int, default=3)
    parser.add_argument('--ref-workers', type=int, default=None,
                        help='DataLoader workers for the reference pipeline (GPU: cores - 1, CPU: 2)')
    parser.add_argument('--fast-workers', type=int, default=None, help='loader workers of the fast path (2)')
    parser.add_argument('--depth', type=int, default=50, help='ResNet depth of the model sections')
    parser.add_argument('--input-size', type=int, nargs=2, default=(256, 256), help='w h of the model sections')
    parser.add_argument('--big-batch', type=int, default=512, help='batch of the batch512 section')
    parser.add_argument('--cache-gigabytes', type=float, default=None,
                        help="the batch512 section's cache on the device for 7,500 faces (default: 7,500 lossless "
                             'slots of the largest side, the former layout)')
    parser.add_argument('--placeholder-faces', type=int, default=8,
                        help='cache size (faces) the batch512 section holds on a CPU (GPU: 7,500)')
    parser.add_argument('--infer-batch', type=int, default=None, help='default 256 on GPU, 16 on CPU')
    parser.add_argument('--latency-repeats', type=int, default=10)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads for the model sections (default 1: per-core figures)')
    parser.add_argument('--cache-dir', default=None, help='default: a temporary directory')
    parser.add_argument('--json', help='also write the figures to this file')
    args = parser.parse_args()
    device = torch.device('cuda' if args.device == 'auto' and torch.cuda.is_available() else
                          ('cpu' if args.device == 'auto' else args.device))
    gpu = device.type == 'cuda'
    args.train_batch = args.train_batch or (512 if gpu else 4)
    args.train_steps = args.train_steps or (20 if gpu else 2)
    args.warmup_steps = args.warmup_steps if args.warmup_steps is not None else (5 if gpu else 1)
    args.infer_batch = args.infer_batch or (256 if gpu else 16)
    if gpu:
        torch.backends.cudnn.benchmark = True
    sections = set(args.sections.split(','))

    import mmpose_face  # noqa: F401  (registers everything)
    results = dict(hardware=hardware(device), argv=sys.argv[1:], date=time.strftime('%Y-%m-%d %H:%M'))
    print(json.dumps(results['hardware']))
    with tempfile.TemporaryDirectory() as scratch:
        cache_dir = args.cache_dir or scratch
        if 'data' in sections:
            results['data'] = bench_data(args, device, cache_dir)
            print('data:', json.dumps(results['data']), flush=True)
        if 'train' in sections:
            results['train'] = bench_train(args, device, cache_dir)
            print('train:', json.dumps(results['train']), flush=True)
        if 'batch512' in sections:
            results['batch_next_to_cache'] = bench_batch_next_to_cache(args, device, cache_dir)
            print('batch_next_to_cache:', json.dumps(results['batch_next_to_cache']), flush=True)
        if 'inference' in sections:
            results['inference'] = bench_inference(args, device)
            print('inference:', json.dumps(results['inference']), flush=True)
    if 'projection' in sections:
        results['projection'] = projection(results)
    print_report(results)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
