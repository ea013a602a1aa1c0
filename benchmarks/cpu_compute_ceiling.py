"""How fast an exact fp32 backend can be on this CPU: the network's work against the CPU's matrix-multiply peak.

    python benchmarks/cpu_compute_ceiling.py [--threads 2] [--repeats 9]
        [--speed-results inferencer_speed.json rtmpose_cpu_inference_speed.json] [--out FILE.json]

A speed ratio against mmpose has a ceiling that no exact backend passes: a
face costs the same floating-point operations on both sides (the same
network, twice with the flip test), so ours can be at most ``peak / mmpose's
GFLOP/s`` times faster, where ``peak`` is the best rate of one large float32
matrix product (n x n, n = 1024, 2048, 3072; ONNX Runtime's MLAS and
PyTorch's MKL; the fastest of all) on ``--threads`` threads. Only fewer operations
(Winograd, FFT) or fewer bits (fp16, int8) go past it.

Measured here, in one process, for each model (the configs shipped in
configs/, random weights: speed does not depend on the values):

- GFLOP per face: 2 x the multiply-adds of the convolutions and matrix
  products of backbone, neck and head (``torch.utils.flop_counter``; the
  element-wise operations are not counted), times 2 with the flip test;
- the bare network on ONNX Runtime (the flip-test export the inferencer
  runs, ``InferenceSession.run`` alone on random crops) at batch 1 and 8:
  faces/s and GFLOP/s as a share of the peak.

With ``--speed-results`` (the JSON files of ``inferencer_speed.py`` and
``rtmpose_cpu_inference_speed.py``, measured on the same machine), each
flip-test case's mmpose faces/s becomes mmpose's GFLOP/s and the ceiling
ratio, printed beside the ratio that run measured and the issue's goal.
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from timing import cpu_model, pin_threads, usable_cores  # noqa: E402

MODELS = {  # name: (config under configs/, the goal's ratio at batch 1, at batch 8)
    'deeppose-res50-wflw': ('face_2d_keypoint/topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py',
                            2.0, 2.5),
    'rtmpose-m-wflw': ('face_2d_keypoint/rtmpose/wflw/rtmpose-m_8xb64-60e_wflw-256x256.py', 2.0, 2.0),
    'rtmpose-t-face6': ('face_2d_keypoint/rtmpose/face6/rtmpose-t_8xb256-120e_face6-256x256.py', 2.0, 2.0),
}
# where the side-by-side scripts keep mmpose's flip-test faces/s of each model, per batch size
SPEED_RESULT_KEYS = {
    'deeppose-res50-wflw': ('inferencer', {1: 'boxes_batch1_flipOn', 8: 'boxes_batch8_flipOn'}),
    'rtmpose-m-wflw': ('rtmpose', 'wflw'),
    'rtmpose-t-face6': ('rtmpose', 'face6-t'),
}
OPTIONS = dict(default_scope='mmpose_face', model=dict(backbone=dict(init_cfg=None)))
MATRIX_SIZES = (1024, 2048, 3072)


def call_seconds(run, repeats: int) -> list:
    """Seconds of ``repeats`` calls of ``run()`` after two untimed ones."""
    run()
    run()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return seconds


def matmul_peak(threads: int, repeats: int) -> dict:
    """GFLOP/s of the best of ``repeats`` float32 (n x n) @ (n x n) products for each n of
    :data:`MATRIX_SIZES`, with ONNX Runtime and with PyTorch; ``gflops``: the best of all."""
    import numpy as np
    import onnx
    import onnxruntime
    import torch
    from onnx import TensorProto, helper
    tensors = [helper.make_tensor_value_info(name, TensorProto.FLOAT, ['n', 'n']) for name in 'abc']
    graph = helper.make_graph([helper.make_node('MatMul', ['a', 'b'], ['c'])], 'matmul', tensors[:2], tensors[2:])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=['CPUExecutionProvider'])
    rates = {}
    for n in MATRIX_SIZES:
        a, b = (np.random.default_rng(seed).random((n, n), dtype=np.float32) for seed in (0, 1))
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        flop = 2 * n ** 3 / 1e9
        rates[f'onnxruntime_{n}'] = flop / min(call_seconds(lambda: session.run(None, {'a': a, 'b': b}), repeats))
        rates[f'torch_{n}'] = flop / min(call_seconds(lambda: ta @ tb, repeats))
    return dict(rates, gflops=max(rates.values()))


def gflop_per_image(model, input_size) -> float:
    """2 x multiply-adds (convolutions and matrix products) of one (3, H, W) crop through the network."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    width, height = input_size
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model.head.forward(model.extract_feat(torch.zeros(1, 3, height, width)))
    return counter.get_total_flops() / 1e9


def measure_model(name: str, threads: int, repeats: int, work: str) -> dict:
    import numpy as np
    import torch

    from mmpose_face.apis import init_model
    from mmpose_face.apis.onnx_export import OnnxLandmarkModel, export_onnx
    config = osp.join(ROOT, 'configs', MODELS[name][0])
    torch.manual_seed(0)
    model = init_model(config, cfg_options=OPTIONS).eval()
    input_size = tuple(model.cfg.model.head.decoder.input_size)
    flip = bool(model.test_cfg.get('flip_test', False))
    per_face = gflop_per_image(model, input_size) * (2 if flip else 1)
    onnx_file = osp.join(work, f'{name}.onnx')
    export_onnx(model, onnx_file, flip_test=flip)
    network = OnnxLandmarkModel(onnx_file, num_threads=threads)
    rows = {}
    for batch in (1, 8):
        crops = np.random.default_rng(batch).integers(0, 256, (batch, 3, input_size[1], input_size[0]),
                                                      dtype=np.uint8)
        seconds = statistics.median(call_seconds(lambda: network.run(crops), repeats))
        rows[f'batch{batch}'] = dict(faces_per_s=batch / seconds, gflops=batch * per_face / seconds)
    return dict(config=MODELS[name][0], flip_test=flip, gflop_per_face=per_face, bare_onnxruntime=rows)


def mmpose_rates(name: str, speed_results: list) -> dict:
    """mmpose's flip-test faces/s of ``name`` per batch size, from the side-by-side JSON files."""
    kind, keys = SPEED_RESULT_KEYS[name]
    for path in speed_results:
        with open(path) as f:
            result = json.load(f)
        if kind == 'inferencer' and 'rows' in result and keys[1] in result['rows']:
            return {batch: result['rows'][key]['mmpose_faces_per_s'] for batch, key in keys.items()} | dict(
                file=path, measured={batch: result['rows'][key]['ratio'] for batch, key in keys.items()})
        if kind == 'rtmpose' and keys in result.get('models', {}):
            rows = result['models'][keys]['rows']
            return {1: 1000. / rows['mmpose']['latency_ms'], 8: rows['mmpose']['faces_per_s_batch8'],
                    'file': path, 'measured': {1: rows['onnxruntime']['latency_speedup'],
                                               8: rows['onnxruntime']['throughput_speedup']}}
    return {}


def main(args):
    pin_threads(args.threads)
    peak_before = matmul_peak(args.threads, args.repeats)
    with tempfile.TemporaryDirectory(prefix='cpu_compute_ceiling_') as work:
        models = {name: measure_model(name, args.threads, args.repeats, work) for name in args.model}
    peak_after = matmul_peak(args.threads, args.repeats)
    peak = max(peak_before['gflops'], peak_after['gflops'])  # the higher peak: the ceiling errs on the high side
    print(f'CPU: {cpu_model()}, {usable_cores()} usable cores, {args.threads} thread(s)')
    for when, rates in (('before', peak_before), ('after', peak_after)):
        print(f'float32 n x n matrix products {when}, GFLOP/s: ' + ', '.join(
            f'{key} {value:.0f}' for key, value in rates.items() if key != 'gflops'))
    print(f'peak: {peak:.0f} GFLOP/s')
    for name, result in models.items():
        mmpose = mmpose_rates(name, args.speed_results)
        print(f"{name}: {result['gflop_per_face']:.2f} GFLOP per face (flip test {result['flip_test']})")
        for batch, goal in zip((1, 8), MODELS[name][1:]):
            row = result['bare_onnxruntime'][f'batch{batch}']
            row['share_of_peak'] = row['gflops'] / peak
            line = (f"  batch {batch}: bare ONNX Runtime {row['faces_per_s']:.2f} faces/s = "
                    f"{row['gflops']:.0f} GFLOP/s ({100 * row['share_of_peak']:.0f} % of peak)")
            if mmpose:
                mmpose_gflops = mmpose[batch] * result['gflop_per_face']
                row.update(mmpose_faces_per_s=mmpose[batch], mmpose_gflops=mmpose_gflops,
                           ceiling_ratio=peak / mmpose_gflops, measured_ratio=mmpose['measured'][batch],
                           goal_ratio=goal, goal_share_of_peak=goal * mmpose_gflops / peak,
                           speed_results=osp.relpath(mmpose['file'], ROOT))
                line += (f"; mmpose {mmpose[batch]:.2f} faces/s = {mmpose_gflops:.0f} GFLOP/s -> ceiling "
                         f"{row['ceiling_ratio']:.2f}x, measured {row['measured_ratio']:.2f}x; goal {goal:g}x "
                         f"needs {100 * row['goal_share_of_peak']:.0f} % of peak")
            print(line)
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(cpu=cpu_model(), cores=usable_cores(), threads=args.threads, repeats=args.repeats,
                           matmul_peak=dict(before=peak_before, after=peak_after, gflops=peak), models=models),
                      f, indent=1)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--model', nargs='+', default=list(MODELS), choices=list(MODELS))
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=9)
    parser.add_argument('--speed-results', nargs='*', default=[],
                        help='JSON files of inferencer_speed.py / rtmpose_cpu_inference_speed.py (same machine)')
    parser.add_argument('--out')
    main(parser.parse_args())
