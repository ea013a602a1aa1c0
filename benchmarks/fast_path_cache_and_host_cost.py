"""The fast path's cache bytes and host cost per face, next to mmpose 1.3.2's ``dataset[i]``, in one run.

    .venv/bin/python benchmarks/fast_path_cache_and_host_cost.py --wflw-like-faces 300 --json out.json
    .venv/bin/python benchmarks/fast_path_cache_and_host_cost.py --quick      # tiny: does it run
    python benchmarks/fast_path_cache_and_host_cost.py --device-warp cuda --skip-mmpose   # gpu_check.sh

Two sets, measured in the same rounds so that a shared machine's load falls
on both alike:

- ``real_samples``: the two WFLW photographs in ``tests/data`` (4 faces);
- ``wflw_like``: ``--wflw-like-faces`` synthetic faces drawn with WFLW's
  photo and face sizes (``make_synthetic_wflw(sizes='wflw')``, then the
  release converter), or an already converted set (``--wflw-like-root``).

For each set, with the published train pipeline (256x256):

- the cache (``CachedFaceDataset``, lossless, one decoding thread): bytes
  per face and in total, its build time per face, how many faces are kept
  at source pixels, and the projection to WFLW's 7,500 training faces
  (bytes per face x 7,500) next to the former one-slot-per-face cache
  (7,500 x 3 x S^2, S the lossless side of the published recipe);
- the fast path's host cost per face, one thread: what a loader worker does
  for a batch (``dataset.__getitems__``: draws, matrices, keypoints, the
  host warp) and the targets and samples (``preprocessor.data_samples``),
  batches of ``--batch`` random faces over the whole cache (``fast_path``);
  with the preprocessor's normalisation too (``fast_path_normalised``); the
  host warps alone from precomputed matrices (``fast_path_warps_only``);
  and the host's share when the warp runs on the device, as the GPU
  schedule's ``warp='auto'`` places it (``fast_path_host_with_device_warp``:
  the loader of the same cache with ``warp='device'`` - draws, matrices,
  keypoints - and the samples; the warp is then the device's cost);
- with ``--device-warp cuda`` (``cpu``: a smoke test of the same code): the
  device warp (``warp='device'``: the loader only draws, the preprocessor
  warps the cache's copy on the device), batches of ``--device-batch``,
  normalised inputs and targets on the device: samples/s and the device
  memory the cache's copy takes;
- mmpose 1.3.2's train pipeline as its loader consumes it: ``dataset[i]``
  of its ``WFLWDataset`` (decode, every transform, packing), one thread, in
  its own environment (``.venv-mmpose``: ``mmpose_pipeline_throughput.py``).

Reported: samples/s (median over ``--repeats`` rounds), ms per face, the
ratio fast path / mmpose per core, the load average before and after.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from timing import cpu_model, rates, single_core, summary, usable_cores  # noqa: E402

single_core()

import numpy as np  # noqa: E402
import torch  # noqa: E402

CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                  'td-reg_res50_8xb64-210e_wflw-256x256.py')
FAST_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                       'td-reg_res50_fastpath-210e_wflw-256x256.py')
MMPOSE_PYTHON = osp.join(REPO, '.venv-mmpose', 'bin', 'python')
WFLW_TRAIN_FACES = 7500
FORMER_CACHE_GB = 11.5    # issue 26: 7,500 x 716 px slots


def make_wflw_like_set(scratch: str, faces: int, seed: int) -> dict:
    """Draw and convert a WFLW-sized synthetic set; returns its data set arguments."""
    from mmpose_face.data_preparation.synthetic.synthetic_wflw_release import make_synthetic_wflw
    from mmpose_face.data_preparation.wflw_release_converter import convert_wflw
    release, data = osp.join(scratch, 'wflw_like_release'), osp.join(scratch, 'wflw_like')
    make_synthetic_wflw(release, num_train=faces, num_test=1, seed=seed, progress=False, sizes='wflw')
    convert_wflw(release, data, splits=('train', ), progress=False)
    return wflw_like_set(data)


def wflw_like_set(data_root: str) -> dict:
    return dict(data_root=data_root, ann_file='annotations/face_landmarks_wflw_train.json', img_prefix='images/')


REAL_SAMPLES = dict(data_root=osp.join(REPO, 'tests', 'data'), ann_file='test_wflw.json', img_prefix='')


def our_train_dataset(data_set: dict):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmpose_face.datasets import WFLWDataset
    init_default_scope('mmpose_face')
    return WFLWDataset(ann_file=data_set['ann_file'], data_root=data_set['data_root'],
                       data_prefix=dict(img=data_set['img_prefix']),
                       pipeline=Config.fromfile(CONFIG).train_pipeline)


def photo_pixels(dataset) -> dict:
    """Mean photo size and face-box width of the data set (pixels)."""
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    widths = [float(info['bbox'][0, 2] - info['bbox'][0, 0]) for info in infos]
    paths = {info['img_path'] for info in infos}
    import cv2
    shapes = [cv2.imread(path, cv2.IMREAD_REDUCED_GRAYSCALE_8).shape for path in sorted(paths)]
    return dict(photos=len(paths), mean_photo_megapixels=float(np.mean([h * w * 64 for h, w in shapes]) / 1e6),
                median_box_width_px=float(np.median(widths)), faces=len(infos))


def build_cache(data_set: dict, cache_dir: str) -> tuple:
    """The fast path's data set on ``data_set`` (host warp) and its cache figures."""
    from mmpose_face.fast_path import CachedFaceDataset
    from mmpose_face.fast_path.face_crop_cache import lossless_crop_size
    dataset = our_train_dataset(data_set)
    start = time.perf_counter()
    cached = CachedFaceDataset(dataset, crop_size='lossless', cache_dir=cache_dir, num_threads=1, warp='host')
    seconds = time.perf_counter() - start
    cache, faces = cached.cache, len(cached.cache)
    former_side = lossless_crop_size(np.array([[100., 100.]]), cached.settings)
    per_face = cache.nbytes / faces
    out = dict(photo_pixels(dataset), cache_bytes=cache.nbytes, cache_megabytes_per_face=per_face / 1e6,
               build_ms_per_face=1e3 * seconds / faces, build_threads=1,
               largest_crop_side=cache.crop_size, median_crop_side=float(np.median(cache.faces['crop_shape'])),
               faces_at_source_pixels=int((cache.faces['pixel_size'] == 1).sum()),
               projected_wflw_gigabytes=per_face * WFLW_TRAIN_FACES / 1e9,
               former_slot_side=former_side, former_wflw_gigabytes=WFLW_TRAIN_FACES * 3 * former_side ** 2 / 1e9)
    out['projected_over_former'] = out['projected_wflw_gigabytes'] / out['former_wflw_gigabytes']
    return cached, out


def fast_path_runs(cached, device_warped, batch: int, batches: int, seed: int = 0) -> dict:
    """run_once callables (name -> (callable, samples)) of the fast path's host work on ``cached``
    (host warp) and ``device_warped`` (the same cache, ``warp='device'``: the loader only draws)."""
    from mmengine.config import Config

    from mmpose_face.fast_path import FaceBatch
    from mmpose_face.registry import MODELS
    preprocessor = MODELS.build(Config.fromfile(FAST_CONFIG).model.data_preprocessor)
    preprocessor.bind(cached.cache, cached.augmentor)
    rng = np.random.default_rng(seed)
    requests = [FaceBatch(tuple(rng.integers(0, len(cached.cache), batch).tolist()), seed + i) for i in range(batches)]

    def loaded():
        for request in requests:
            preprocessor.data_samples(cached.__getitems__(request))

    # What the host does per face when the warp runs on the device (the GPU schedule's warp='auto'):
    # the loader's draws, matrices and keypoints, and the samples; the warp itself is the device's cost.
    def loaded_for_device_warp():
        for request in requests:
            preprocessor.data_samples(device_warped.__getitems__(request))

    def normalised():
        for request in requests:
            preprocessor(cached.__getitems__(request), training=True)

    # The warps alone (cv2.warpAffine of each face, from precomputed matrices): the floor of the host cost.
    faces, augmentor = cached.cache.faces, cached.augmentor
    prepared = []
    for request in requests:
        rows = np.asarray(request.rows)
        params = augmentor.sample(len(rows), np.random.RandomState(request.seed))
        image_width = faces['image_shape'][rows, 1]
        image_matrices = augmentor.image_matrices(params, faces['center'][rows], faces['box_scale'][rows], image_width)
        crop_matrices = augmentor.crop_matrices(image_matrices, params.flip, faces['origin'][rows],
                                                faces['pixel_size'][rows], image_width)
        prepared.append((rows, image_matrices, crop_matrices, params.flip))

    def warps_only():
        for rows, image_matrices, crop_matrices, flip in prepared:
            augmentor.warp_on_host(cached.cache, rows, image_matrices, crop_matrices, flip)

    return dict(fast_path=(loaded, batch * batches), fast_path_normalised=(normalised, batch * batches),
                fast_path_warps_only=(warps_only, batch * batches),
                fast_path_host_with_device_warp=(loaded_for_device_warp, batch * batches))


def device_warp_run(data_set: dict, cache_dir: str, device: str, batch: int, batches: int, seed: int = 0):
    """(run_once, samples, device bytes of the cache's copy) of the device warp on ``device``."""
    from mmengine.config import Config

    from mmpose_face.fast_path import CachedFaceDataset, FaceBatch
    from mmpose_face.registry import MODELS
    cached = CachedFaceDataset(our_train_dataset(data_set), crop_size='lossless', cache_dir=cache_dir, warp='device')
    target = torch.device(device)
    preprocessor = MODELS.build(Config.fromfile(FAST_CONFIG).model.data_preprocessor).to(target)
    preprocessor.bind(cached.cache, cached.augmentor)
    rng = np.random.default_rng(seed)
    requests = [FaceBatch(tuple(rng.integers(0, len(cached.cache), batch).tolist()), seed + i) for i in range(batches)]
    before = torch.cuda.memory_allocated(target) if target.type == 'cuda' else 0

    def warped():
        for request in requests:
            preprocessor(cached.__getitems__(request), training=True)
        if target.type == 'cuda':
            torch.cuda.synchronize(target)

    warped()   # warm-up, and the cache's copy to the device
    copy_bytes = (torch.cuda.memory_allocated(target) - before) if target.type == 'cuda' else cached.cache.nbytes
    return warped, batch * batches, copy_bytes


def mmpose_round(data_set: dict, passes: int) -> dict:
    """One repeat of mmpose's train pipeline on ``data_set``, in its own environment."""
    if not osp.isfile(MMPOSE_PYTHON):
        return dict(skipped=f'{MMPOSE_PYTHON} not found: run benchmarks/mmpose_reference/setup_env.sh')
    command = [MMPOSE_PYTHON, osp.join(REPO, 'benchmarks', 'mmpose_pipeline_throughput.py'),
               '--data-root', data_set['data_root'], '--ann-file', data_set['ann_file'],
               '--img-prefix', data_set['img_prefix'], '--pipelines', 'train', '--repeats', '1',
               '--passes', str(passes)]
    finished = subprocess.run(command, capture_output=True, text=True, cwd=REPO,
                              env=dict(os.environ, OMP_NUM_THREADS='1', TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1'))
    if finished.returncode != 0:
        return dict(failed=finished.stderr[-2000:])
    return json.loads(finished.stdout.strip().splitlines()[-1])


def measure(sets: dict, args) -> dict:
    """Every set's cache, then ``args.repeats`` rounds of every measurement, interleaved."""
    from mmpose_face.fast_path import CachedFaceDataset
    results, runs = {}, {}
    for name, data_set in sets.items():
        cached, results[name] = build_cache(data_set, osp.join(args.scratch, 'cache', name))
        device_warped = CachedFaceDataset(cached.dataset, crop_size='lossless', cache_dir=osp.join(
            args.scratch, 'cache', name), warp='device')   # reopens the same cache
        for run_name, run in fast_path_runs(cached, device_warped, args.batch, args.batches).items():
            runs[(name, run_name)] = run
            run[0]()   # warm-up
        if args.device_warp:
            run_once, samples, copy_bytes = device_warp_run(data_set, osp.join(args.scratch, 'cache', name),
                                                            args.device_warp, args.device_batch, args.batches)
            runs[(name, 'device_warp')] = (run_once, samples)
            results[name]['device_warp_cache_copy_bytes'] = int(copy_bytes)
    measured = {key: [] for key in runs}
    mmpose = {name: [] for name in sets}
    for _ in range(args.repeats):
        for key, (run_once, samples) in runs.items():
            measured[key] += rates(run_once, samples, repeats=1, warmup=0)
        if not args.skip_mmpose:
            for name, data_set in sets.items():
                passes = max(1, round(args.mmpose_samples / results[name]['faces']))
                mmpose[name].append(mmpose_round(data_set, passes))
    for (name, run_name), values in measured.items():
        results[name][run_name] = dict(summary(values), threads=1, ms_per_face=1e3 / float(np.median(values)),
                                       batch=args.device_batch if run_name == 'device_warp' else args.batch)
        if run_name == 'device_warp':
            results[name][run_name]['device'] = torch.cuda.get_device_name(0) if args.device_warp == 'cuda' else 'cpu'

    for name, rounds in mmpose.items():
        good = [result['train_pipeline']['median'] for result in rounds if 'train_pipeline' in result]
        if good:
            results[name]['mmpose_train_dataset_getitem'] = dict(
                summary(good), threads=1, ms_per_face=1e3 / float(np.median(good)), mmpose=rounds[0]['mmpose'],
                steps=rounds[0]['train_pipeline']['steps'])
            for run_name in ('fast_path', 'fast_path_normalised', 'fast_path_host_with_device_warp'):
                results[name][f'{run_name}_over_mmpose'] = results[name][run_name]['median'] / float(np.median(good))
        elif rounds:
            results[name]['mmpose_train_dataset_getitem'] = rounds[-1]
    return results


def print_report(out: dict) -> None:
    print(f"\n{out['hardware']['cpu']}, {out['hardware']['cores']} usable cores; load average "
          f"{out['load_average_before']} before, {out['load_average_after']} after")
    for name, row in out['sets'].items():
        print(f"\n{name}: {row['faces']} faces in {row['photos']} photos ({row['mean_photo_megapixels']:.2f} MP mean, "
              f"median box {row['median_box_width_px']:.0f} px)")
        print(f"  cache: {row['cache_megabytes_per_face']:.3f} MB/face, {row['cache_bytes'] / 1e6:.1f} MB in all, "
              f"{row['faces_at_source_pixels']}/{row['faces']} at source pixels, median side "
              f"{row['median_crop_side']:.0f} px, largest {row['largest_crop_side']} px; "
              f"build {row['build_ms_per_face']:.1f} ms/face (1 thread)")
        print(f"  projected for {WFLW_TRAIN_FACES} faces: {row['projected_wflw_gigabytes']:.2f} GB "
              f"(former {row['former_slot_side']} px slots: {row['former_wflw_gigabytes']:.2f} GB; "
              f"{row['projected_over_former']:.3f}x)")
        for key in ('fast_path', 'fast_path_normalised', 'fast_path_warps_only', 'fast_path_host_with_device_warp',
                    'device_warp', 'mmpose_train_dataset_getitem'):
            value = row.get(key)
            if value and 'median' in value:
                print(f"  {key:<32} {value['median']:9.1f} samples/s [{value['min']:.1f}-{value['max']:.1f}]"
                      f"  {value['ms_per_face']:.3f} ms/face")
            elif value:
                print(f"  {key}: {value.get('skipped') or value.get('failed', '')[-300:]}")
        for key in ('fast_path_over_mmpose', 'fast_path_normalised_over_mmpose',
                    'fast_path_host_with_device_warp_over_mmpose'):
            if key in row:
                print(f"  {key}: {row[key]:.1f}x (goal on the WFLW-like set: >= 50x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--wflw-like-faces', type=int, default=300, help='faces of the WFLW-like set drawn')
    parser.add_argument('--wflw-like-root', help='a converted WFLW-like set to use instead of drawing one')
    parser.add_argument('--seed', type=int, default=0, help='seed of the drawn set')
    parser.add_argument('--repeats', type=int, default=3, help='rounds of every measurement')
    parser.add_argument('--batch', type=int, default=64, help='fast-path batch')
    parser.add_argument('--batches', type=int, default=10, help='fast-path batches per round')
    parser.add_argument('--mmpose-samples', type=int, default=300, help="mmpose's dataset[i] calls per round and set")
    parser.add_argument('--skip-mmpose', action='store_true')
    parser.add_argument('--device-warp', choices=('cuda', 'cpu'), help="also the device warp on this device "
                        "('cpu': a smoke test of the same code)")
    parser.add_argument('--device-batch', type=int, default=512, help='batch of the device warp')
    parser.add_argument('--quick', action='store_true', help='a tiny run: does it work end to end')
    parser.add_argument('--json')
    args = parser.parse_args()
    if args.quick:
        args.wflw_like_faces, args.repeats, args.batch, args.batches, args.mmpose_samples = 8, 1, 4, 1, 8
        args.device_batch = 4

    import mmpose_face  # noqa: F401  (registers everything)
    out = dict(hardware=dict(cpu=cpu_model(), cores=usable_cores(), torch=torch.__version__),
               argv=sys.argv[1:], date=time.strftime('%Y-%m-%d %H:%M'),
               load_average_before=[round(v, 2) for v in os.getloadavg()])
    with tempfile.TemporaryDirectory() as scratch:
        args.scratch = scratch
        wflw_like = (wflw_like_set(args.wflw_like_root) if args.wflw_like_root
                     else make_wflw_like_set(scratch, args.wflw_like_faces, args.seed))
        out['sets'] = measure(dict(real_samples=REAL_SAMPLES, wflw_like=wflw_like), args)
    out['load_average_after'] = [round(v, 2) for v in os.getloadavg()]
    print_report(out)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)


if __name__ == '__main__':
    main()
