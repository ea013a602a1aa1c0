"""CPU inference speed side by side with mmpose 1.3.2's ``inference_topdown``.

    python benchmarks/cpu_inference_speed.py [--threads 1] [--repeats 5] [--pause 0.5] [--out FILE.json]

Same photo (tests/data/7_Cheering_Cheering_7_16.jpg), same faces (the first
8 CenterFace boxes), same model (DeepPose ResNet-50, 256x256, flip test on,
as td-reg_res50_8xb64-210e_wflw-256x256.py; random weights saved to one file
that both sides load: speed does not depend on the values), same thread
count. Per-face latency at batch 1 (one face per call) and throughput at
batch 8 (8 faces per call), each the median of ``--repeats`` calls after a
warm-up, for:

- mmpose: ``mmpose.apis.inference_topdown`` (run by .venv-mmpose's python);
- published: ``mmpose_face.apis.inference_topdown`` (the path the
  equivalence test holds to mmpose's predictions);
- torch-fast: :class:`~mmpose_face.apis.fast_inference.FastFaceLandmarks`
  (channels-last, flip in the same forward pass);
- onnxruntime: the same module exported to ONNX, run with onnxruntime.

The sides alternate call by call (mmpose's side waits in its own process
for each call), so that a shared machine's changing load falls on all of
them alike: ``--repeats`` calls per side and batch. Before each call the
script sleeps ``--pause`` seconds, so that the worker threads of the side
before (OpenMP and onnxruntime spin a while after a call) are asleep and do
not compete for the cores. Also printed: the largest difference of each
backend's keypoints from mmpose's, in pixels.
"""
import argparse
import json
import os.path as osp
import sys
import tempfile

from timing import add_side_by_side_arguments  # benchmarks/, the script's own folder

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = 'face_2d_keypoint/topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py'
PHOTO = osp.join(ROOT, 'tests', 'data', '7_Cheering_Cheering_7_16.jpg')
MMPOSE_PYTHON = osp.join(ROOT, '.venv-mmpose', 'bin', 'python')


def main(args):
    with tempfile.TemporaryDirectory(prefix='cpu_inference_speed_') as work:  # holds a 95 MB checkpoint
        measure(args, work)


def measure(args, work: str):
    sys.path.insert(0, ROOT)
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    from timing import against_inference_topdown, cpu_model, pin_threads, usable_cores
    pin_threads(args.threads)
    import cv2
    import numpy as np
    import torch
    from mmpose_face.apis import inference_topdown, init_model
    from mmpose_face.apis.face_detector import CenterFaceDetector
    from mmpose_face.apis.fast_inference import FastFaceLandmarks

    config = osp.join(ROOT, 'configs', CONFIG)
    torch.manual_seed(0)
    model = init_model(config, cfg_options=dict(model=dict(backbone=dict(init_cfg=None))))
    checkpoint = osp.join(work, 'res50_random.pth')
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    model = init_model(config, checkpoint)
    image = cv2.imread(PHOTO)
    boxes = CenterFaceDetector(num_threads=args.threads)(image)[0][:8]
    assert len(boxes) == 8
    backends = dict(published=lambda b: np.concatenate(
        [r.pred_instances.keypoints for r in inference_topdown(model, image, b)]))
    fast = FastFaceLandmarks(model, 'torch')
    backends['torch-fast'] = lambda b: fast(image, b)
    onnx = FastFaceLandmarks(model, 'onnxruntime', num_threads=args.threads)
    backends['onnxruntime'] = lambda b: onnx(image, b)

    side = [MMPOSE_PYTHON, osp.join(ROOT, 'benchmarks', 'mmpose_reference', 'time_inference_topdown.py'),
            osp.join(work, 'job.json'), osp.join(work, 'mmpose.json')]
    job = dict(config=CONFIG, checkpoint=checkpoint, img=PHOTO, boxes=boxes.tolist(), threads=args.threads)
    rows, seconds = against_inference_topdown(side, job, boxes, backends, args.repeats, args.pause)
    print(f'CPU: {cpu_model()}, {usable_cores()} usable cores, {args.threads} thread(s); '
          f'{args.repeats} alternating calls per side and batch')
    print(f"{'':<12} {'batch 1 ms/face':>16} {'x mmpose':>9} {'batch 8 faces/s':>16} {'x mmpose':>9} {'max px diff':>12}")
    for name, row in rows.items():
        print(f"{name:<12} {row['latency_ms']:>16.1f} {row['latency_speedup']:>9.2f} "
              f"{row['faces_per_s_batch8']:>16.2f} {row['throughput_speedup']:>9.2f} "
              f"{row.get('max_px_difference_from_mmpose', 0):>12.2g}")
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(cpu=cpu_model(), cores=usable_cores(), threads=args.threads,
                           repeats=args.repeats, pause_s=args.pause, rows=rows, seconds=seconds), f, indent=1)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_side_by_side_arguments(parser, threads=1)
    main(parser.parse_args())
