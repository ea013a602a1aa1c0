"""Export a face landmark model to ONNX and check it against PyTorch.

``python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --output model.onnx [--no-flip-test]``

The graph includes the flip test when the config tests with it (``test_cfg.flip_test``).

Input ``crops`` (B, 3, H, W) float32 BGR 0-255 (normalisation is inside the
graph), outputs ``keypoints`` (B, K, 2) float32 normalised to the crop (x/W,
y/H) and ``scores`` (B, K) float32 (the predict path's keypoint_scores); B is
dynamic. Every head of the project exports (DeepPose, RLE, IPR, DSNT). The
export is run with onnxruntime on random crops and compared with PyTorch: the
tool exits with 1 when the max difference is not below 1e-4 (keypoints
normalised; scores). See mmpose_face/apis/onnx_export.py and docs/inference.md.
"""
import argparse
import os
import sys


def parse_args():
    parser = argparse.ArgumentParser(description='Export a face landmark model to ONNX')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file (path or http(s) URL)')
    parser.add_argument('--output', required=True, help='ONNX file to write')
    parser.add_argument('--flip-test', action=argparse.BooleanOptionalAction, default=None,
                        help="put flip test (mirrored crop, averaged) into the graph; default: as the config's "
                             'test_cfg.flip_test, i.e. the predictions tools/test.py reports')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset version (default: %(default)s)')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow checkpoints that need unpickling beyond tensors (trusted files only)')
    parser.add_argument('--skip-hash-check', action='store_true',
                        help='load a checkpoint whose name promises another SHA-256 (a renamed or changed file)')
    return parser.parse_args()


def flip_test_note(flip_test: bool, config_flip: bool) -> str:
    if flip_test == config_flip:
        return f'{"yes" if flip_test else "no"}, as the config tests'
    if config_flip:
        return ('NO: left out, although the config tests with it; the file gives the plain predictions, not '
                'those tools/test.py reports, at half the cost (what that costs in NME: measured by '
                'benchmarks/onnx_flip_test_cost.py, figure in docs/inference.md, section ONNX export)')
    return 'yes, although the config tests without it'


def main(args):
    from mmpose_face.apis import init_model
    from mmpose_face.apis.onnx_export import MAX_ALLOWED_DIFFERENCE, export_onnx
    model = init_model(args.config, args.checkpoint, device='cpu', trusted=args.trust_checkpoint or None,
                       skip_hash_check=args.skip_hash_check or None)
    if os.path.dirname(args.output):
        os.makedirs(os.path.dirname(args.output), exist_ok=True)
    config_flip = bool(model.test_cfg.get('flip_test', False))
    flip_test = config_flip if args.flip_test is None else args.flip_test
    max_difference = export_onnx(model, args.output, flip_test=flip_test, opset=args.opset)
    width, height = model.head.decoder.input_size
    print(f'wrote {args.output}\n'
          f'  input  crops:     (B, 3, {height}, {width}) float32, BGR, 0-255 (normalised inside)\n'
          f'  output keypoints: (B, {model.head.num_joints}, 2) float32, x/W and y/H of the crop\n'
          f'  output scores:    (B, {model.head.num_joints}) float32, confidence per landmark '
          f'({type(model.head).__name__})\n'
          f'  flip test: {flip_test_note(flip_test, config_flip)}, opset {args.opset}\n'
          f'onnxruntime vs PyTorch: max difference {max_difference:.3g} (keypoints normalised, scores; limit '
          f'{MAX_ALLOWED_DIFFERENCE:g})')


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    from mmpose_face.apis.cli import run_tool
    sys.exit(run_tool(main, parse_args()))
