"""RTMPose CPU inference speed side by side with mmpose 1.3.2's ``inference_topdown``.

    python benchmarks/rtmpose_cpu_inference_speed.py [--model wflw face6-t] [--threads 2] [--repeats 7]
        [--pause 0.5] [--out FILE.json]

For each model (``wflw``: RTMPose-m WFLW, 98 points; ``face6-t``: RTMPose-t
Face6, 106 points; ``face6-s``, ``face6-m``), mmpose's own config file (its
wheel's, run here with only ``default_scope`` overridden and the backbone's
pretrained init off), flip test on as the config has it, random weights saved
to one file that both sides load (speed does not depend on the values). Same
photo (tests/data/7_Cheering_Cheering_7_16.jpg), same faces (its first 8
CenterFace boxes), same thread count. Per-face latency at batch 1 (one face
per call) and throughput at batch 8 (8 faces per call), each the median of
``--repeats`` calls after a warm-up, for:

- mmpose: ``mmpose.apis.inference_topdown`` (run by .venv-mmpose's python,
  benchmarks/mmpose_reference/time_inference_topdown.py);
- published: ``mmpose_face.apis.inference_topdown`` (the model's ``test_step``);
- onnxruntime: the default backend of the inferencer
  (``build_predictor(backend='onnxruntime')``: the checkpoint's cached ONNX
  export, flip test in the graph), with ``--threads`` intra-op threads.

The sides alternate call by call (mmpose's side waits in its own process for
each call), so that a shared machine's changing load falls on all of them
alike; before each call the script sleeps ``--pause`` seconds (the worker
threads of the side before spin a while after a call). The 1-minute load
average is recorded before and after each model. Also recorded: the largest
difference of each backend's keypoints from mmpose's (batch 1, pixels).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PHOTO = osp.join(ROOT, 'tests', 'data', '7_Cheering_Cheering_7_16.jpg')
MMPOSE_PYTHON = osp.join(ROOT, '.venv-mmpose', 'bin', 'python')
MMPOSE_SIDE = osp.join(ROOT, 'benchmarks', 'mmpose_reference', 'time_inference_topdown.py')
CONFIGS = {  # relative to configs/ here and to mmpose's .mim/configs
    'wflw': 'face_2d_keypoint/rtmpose/wflw/rtmpose-m_8xb64-60e_wflw-256x256.py',
    'face6-m': 'face_2d_keypoint/rtmpose/face6/rtmpose-m_8xb256-120e_face6-256x256.py',
    'face6-s': 'face_2d_keypoint/rtmpose/face6/rtmpose-s_8xb256-120e_face6-256x256.py',
    'face6-t': 'face_2d_keypoint/rtmpose/face6/rtmpose-t_8xb256-120e_face6-256x256.py',
}
OPTIONS = dict(default_scope='mmpose_face', model=dict(backbone=dict(init_cfg=None)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from timing import add_side_by_side_arguments, against_inference_topdown, cpu_model, pin_threads, usable_cores  # noqa: E402


def mmpose_config_file(relative: str) -> str:
    found = subprocess.run([MMPOSE_PYTHON, '-c', 'import mmpose, os.path as p; print(p.dirname(mmpose.__file__))'],
                           capture_output=True, text=True, check=True).stdout.strip()
    return osp.join(found, '.mim', 'configs', relative)


def face_boxes(threads: int):
    import cv2

    from mmpose_face.apis.face_detector import CenterFaceDetector
    image = cv2.imread(PHOTO)
    boxes = CenterFaceDetector(num_threads=threads)(image)[0][:8]
    assert len(boxes) == 8, f'{PHOTO}: expected 8 faces or more, found {len(boxes)}'
    return image, boxes


def measure_model(name: str, args, image, boxes, work: str) -> dict:
    import numpy as np
    import torch

    from mmpose_face.apis import inference_topdown, init_model
    from mmpose_face.apis.predictor import build_predictor
    relative = CONFIGS[name]
    config = mmpose_config_file(relative)
    torch.manual_seed(0)
    model = init_model(config, cfg_options=OPTIONS)
    checkpoint = osp.join(work, f'rtmpose_{name}_random.pth')
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    model = init_model(config, checkpoint, cfg_options=OPTIONS)
    assert model.test_cfg.get('flip_test'), 'the published config tests with flip'
    onnx = build_predictor(model, checkpoint, backend='onnxruntime', num_threads=args.threads)
    backends = dict(
        published=lambda b: np.concatenate([r.pred_instances.keypoints for r in inference_topdown(model, image, b)]),
        onnxruntime=lambda b: onnx.predict(image, b).keypoints)
    side = [MMPOSE_PYTHON, MMPOSE_SIDE, osp.join(work, f'job_{name}.json'), osp.join(work, f'mmpose_{name}.json')]
    job = dict(config=relative, checkpoint=checkpoint, img=PHOTO, boxes=boxes.tolist(), threads=args.threads)
    load_before = os.getloadavg()
    rows, seconds = against_inference_topdown(side, job, boxes, backends, args.repeats, args.pause)
    return dict(config=relative, load_average_1min=dict(before=load_before[0], after=os.getloadavg()[0]),
                rows=rows, seconds=seconds)


def main(args):
    pin_threads(args.threads)
    image, boxes = face_boxes(args.threads)
    with tempfile.TemporaryDirectory(prefix='rtmpose_cpu_inference_speed_') as work:
        models = {name: measure_model(name, args, image, boxes, work) for name in args.model}
    print(f'CPU: {cpu_model()}, {usable_cores()} usable cores, {args.threads} thread(s); '
          f'{args.repeats} alternating calls per side and batch')
    for name, result in models.items():
        load = result['load_average_1min']
        print(f"{name} ({result['config']}); load average {load['before']:.1f} -> {load['after']:.1f}")
        print(f"{'':<12} {'batch 1 ms/face':>16} {'x mmpose':>9} {'batch 8 faces/s':>16} {'x mmpose':>9} "
              f"{'max px diff':>12}")
        for side, row in result['rows'].items():
            print(f"{side:<12} {row['latency_ms']:>16.1f} {row['latency_speedup']:>9.2f} "
                  f"{row['faces_per_s_batch8']:>16.2f} {row['throughput_speedup']:>9.2f} "
                  f"{row.get('max_px_difference_from_mmpose', 0):>12.2g}")
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(cpu=cpu_model(), cores=usable_cores(), threads=args.threads, repeats=args.repeats,
                           pause_s=args.pause, photo=osp.relpath(PHOTO, ROOT), models=models), f, indent=1)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', nargs='+', default=['wflw', 'face6-t'], choices=sorted(CONFIGS))
    add_side_by_side_arguments(parser, repeats=7)
    main(parser.parse_args())
