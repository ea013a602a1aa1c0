"""How fast an exact fp32 backend can be on this CPU: the network's work against the CPU's peak, beside mmpose.

    python benchmarks/cpu_compute_ceiling.py [--model ...] [--threads 2] [--repeats 5] [--pause 0.5]
        [--out FILE.json]

(needs `.venv-mmpose`.) A speed ratio against mmpose has a ceiling that no
exact backend passes: a face costs the same floating-point operations on
both sides (the same network, twice with the flip test), so ours can be at
most ``peak / mmpose's GFLOP/s`` times faster. Two peaks, on ``--threads``
threads:

- ``fma``, the hardware's: ``benchmarks/fma_peak.c`` (compiled with ``cc``),
  independent AVX2 FMA chains in registers, the FMA units' own throughput;
- ``matmul``, the best kernel's: a float32 2048 x 2048 matrix product, the
  faster of ONNX Runtime's MLAS and PyTorch's MKL, the most efficient dense
  kernel there is.

A backend passes the second only with convolutions more efficient than the
best matrix product, and never the first; only fewer operations (Winograd,
FFT) or fewer bits (fp16, int8, other predictions) go past them.

For each model (mmpose's config, shipped in configs/ too; random weights in
one checkpoint both sides load; flip test on as configured), in rounds, one
call after another with ``--pause`` seconds of sleep before each (so that
this shared machine's changing clock falls on all of them alike): mmpose
1.3.2's ``inference_topdown`` in its own process
(``mmpose_reference/time_inference_topdown.py``) on 1 and 8 faces of the crowd
photo, our bare network (the flip-test ONNX export the inferencer runs,
``InferenceSession.run`` alone, on the same faces' crops) and both peaks.
Work per face: 2 x the multiply-adds of the convolutions and matrix products
(``torch.utils.flop_counter``; element-wise work is not counted, so every
GFLOP/s here errs low alike). Per batch size: the medians of mmpose's and
our GFLOP/s and of the peaks, the ceiling ratios (peak / mmpose), our ratio,
and the share of each peak that the issue's goal ratio needs.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from rtmpose_cpu_inference_speed import MMPOSE_PYTHON, MMPOSE_SIDE, PHOTO, face_boxes, mmpose_config_file  # noqa
from timing import add_side_by_side_arguments, cpu_model, interleaved_with_mmpose, pin_threads, usable_cores  # noqa: E402

MODELS = {  # name: (config relative to configs/ here and mmpose's .mim/configs, goal ratio at batch 1, at batch 8)
    'deeppose-res50-wflw': ('face_2d_keypoint/topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py',
                            2.0, 2.5),
    'rtmpose-m-wflw': ('face_2d_keypoint/rtmpose/wflw/rtmpose-m_8xb64-60e_wflw-256x256.py', 2.0, 2.0),
    'rtmpose-t-face6': ('face_2d_keypoint/rtmpose/face6/rtmpose-t_8xb256-120e_face6-256x256.py', 2.0, 2.0),
}
OPTIONS = dict(default_scope='mmpose_face', model=dict(backbone=dict(init_cfg=None)))
MATRIX_SIZE = 2048
FMA_REPEATS = 3


class Peaks:
    """``measure()`` -> one reading of each peak, ``{'fma': GFLOP/s, 'matmul': GFLOP/s}``."""

    def __init__(self, threads: int, work: str):
        import numpy as np
        import onnxruntime
        import torch
        from onnx import TensorProto, helper
        compiler = shutil.which('cc') or shutil.which('gcc')
        if compiler is None:
            raise RuntimeError('benchmarks/fma_peak.c needs a C compiler (cc or gcc) on PATH')
        self.fma_program = osp.join(work, 'fma_peak')
        subprocess.run([compiler, '-O3', '-mavx2', '-mfma', '-pthread',
                        osp.join(ROOT, 'benchmarks', 'fma_peak.c'), '-o', self.fma_program], check=True)
        n, self.threads = MATRIX_SIZE, threads
        tensors = [helper.make_tensor_value_info(name, TensorProto.FLOAT, [n, n]) for name in 'abc']
        graph = helper.make_graph([helper.make_node('MatMul', ['a', 'b'], ['c'])], 'matmul', tensors[:2],
                                  tensors[2:])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
        model.ir_version = 8
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        session = onnxruntime.InferenceSession(model.SerializeToString(), options,
                                               providers=['CPUExecutionProvider'])
        a, b = (np.random.default_rng(seed).random((n, n), dtype=np.float32) for seed in (0, 1))
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        self.products = dict(onnxruntime=lambda: session.run(None, {'a': a, 'b': b}), torch=lambda: ta @ tb)

    def measure(self) -> dict:
        flop = 2 * MATRIX_SIZE ** 3 / 1e9
        best = 0.
        for product in self.products.values():
            product()
            for _ in range(3):
                start = time.perf_counter()
                product()
                best = max(best, flop / (time.perf_counter() - start))
        answer = subprocess.run([self.fma_program, str(self.threads), str(FMA_REPEATS)], capture_output=True,
                                text=True, check=True)
        return dict(fma=float(answer.stdout), matmul=best)


def gflop_per_image(model, input_size) -> float:
    """2 x multiply-adds (convolutions and matrix products) of one (3, H, W) crop through the network."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    width, height = input_size
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.head.forward(model.extract_feat(torch.zeros(1, 3, height, width)))
    return counter.get_total_flops() / 1e9


def measure_model(name: str, args, image, boxes, peaks: Peaks, work: str) -> dict:
    import numpy as np
    import torch

    from mmpose_face.apis import init_model
    from mmpose_face.apis.onnx_export import OnnxLandmarkModel, export_onnx
    from mmpose_face.apis.predictor import prepare_face_crops
    relative, *goals = MODELS[name]
    torch.manual_seed(0)
    model = init_model(osp.join(ROOT, 'configs', relative), cfg_options=OPTIONS).eval()
    checkpoint = osp.join(work, f'{name}_random.pth')
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    assert model.test_cfg.get('flip_test'), 'the published config tests with flip'
    per_face = 2 * gflop_per_image(model, tuple(model.cfg.model.head.decoder.input_size))
    onnx_file = osp.join(work, f'{name}.onnx')
    export_onnx(model, onnx_file, flip_test=True)
    network = OnnxLandmarkModel(onnx_file, num_threads=args.threads)
    crops = np.stack([item['inputs'].numpy() for item in prepare_face_crops(model.cfg, model.dataset_meta, image,
                                                                           boxes)])
    job_file, out_file = osp.join(work, f'job_{name}.json'), osp.join(work, f'mmpose_{name}.json')
    with open(job_file, 'w') as f:
        json.dump(dict(config=relative, checkpoint=checkpoint, img=PHOTO, boxes=boxes.tolist(),
                       threads=args.threads), f)
    mmpose_config_file(relative)  # fails early, naming .venv-mmpose, when mmpose is not there
    measured_peaks = []
    load_before = os.getloadavg()[0]
    seconds = interleaved_with_mmpose([MMPOSE_PYTHON, MMPOSE_SIDE, job_file, out_file],
                                      dict(bare_onnxruntime=lambda count: network.run(crops[:count]),
                                           peaks=lambda count: measured_peaks.append(peaks.measure())),
                                      (1, 8), args.repeats, args.pause)
    readings = {kind: [reading[kind] for reading in measured_peaks[1:]]  # the warm-up call left out
                for kind in ('fma', 'matmul')}
    peak = {kind: statistics.median(values) for kind, values in readings.items()}
    rows = {}
    for batch, goal in zip((1, 8), goals):
        key, median = f'batch{batch}', statistics.median
        ours, mmpose = (batch * per_face / median(seconds[side][key]) for side in ('bare_onnxruntime', 'mmpose'))
        rows[key] = dict(
            mmpose_gflops=mmpose, bare_onnxruntime_gflops=ours, peak_gflops=peak,
            mmpose_faces_per_s=mmpose / per_face, bare_onnxruntime_faces_per_s=ours / per_face,
            bare_onnxruntime_ratio=ours / mmpose, goal_ratio=goal,
            ours_share_of_peak={kind: ours / value for kind, value in peak.items()},
            mmpose_share_of_peak={kind: mmpose / value for kind, value in peak.items()},
            ceiling_ratio={kind: value / mmpose for kind, value in peak.items()},
            goal_share_of_peak={kind: goal * mmpose / value for kind, value in peak.items()})
    return dict(config=relative, gflop_per_face=per_face, load_average_1min=dict(
        before=load_before, after=os.getloadavg()[0]), rows=rows, seconds=seconds, peak_readings=readings)


def shares(share_of_peak: dict) -> str:
    return ', '.join(f'{100 * value:.0f} % of {kind}' for kind, value in share_of_peak.items())


def main(args):
    pin_threads(args.threads)
    image, boxes = face_boxes(args.threads)
    with tempfile.TemporaryDirectory(prefix='cpu_compute_ceiling_') as work:
        peaks = Peaks(args.threads, work)
        models = {name: measure_model(name, args, image, boxes, peaks, work) for name in args.model}
    print(f'CPU: {cpu_model()}, {usable_cores()} usable cores, {args.threads} thread(s); '
          f'{args.repeats} rounds of interleaved calls')
    for name, result in models.items():
        load = result['load_average_1min']
        print(f"{name}: {result['gflop_per_face']:.2f} GFLOP per face (flip test); load average "
              f"{load['before']:.1f} -> {load['after']:.1f}")
        for key, row in result['rows'].items():
            peak = ', '.join(f'{kind} {value:.0f}' for kind, value in row['peak_gflops'].items())
            ceiling = ', '.join(f'{value:.2f}x ({kind})' for kind, value in row['ceiling_ratio'].items())
            print(f"  {key}: peaks {peak} GFLOP/s; mmpose {row['mmpose_faces_per_s']:.2f} faces/s = "
                  f"{row['mmpose_gflops']:.0f} GFLOP/s ({shares(row['mmpose_share_of_peak'])}); bare ONNX Runtime "
                  f"{row['bare_onnxruntime_faces_per_s']:.2f} faces/s ({shares(row['ours_share_of_peak'])}) = "
                  f"{row['bare_onnxruntime_ratio']:.2f}x mmpose\n    ceiling {ceiling}; goal "
                  f"{row['goal_ratio']:g}x needs {shares(row['goal_share_of_peak'])}")
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(cpu=cpu_model(), cores=usable_cores(), threads=args.threads, repeats=args.repeats,
                           pause_s=args.pause, matrix_size=MATRIX_SIZE, photo=osp.relpath(PHOTO, ROOT),
                           models=models), f, indent=1)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', nargs='+', default=list(MODELS), choices=list(MODELS))
    add_side_by_side_arguments(parser)
    main(parser.parse_args())
