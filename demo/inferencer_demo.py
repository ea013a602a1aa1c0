"""Face landmarks on a photo, a folder or a video with a named model, in one line.

``python demo/inferencer_demo.py INPUT [--model wflw] [--out-dir work_dirs/inferencer_demo]``

``--model`` is a model name (``wflw`` = the released DeepPose Soft Wing
ResNet-50, downloaded once into the torch hub cache; ``deeppose-wing-wflw``,
``deeppose-wflw``, mmpose's model-zoo names; ``demo`` = the synthetic
quick-start model from ``make demo``) or a config file with ``--weights``.
Writes ``OUT_DIR/visualizations/`` (annotated images, mp4 for videos) and
``OUT_DIR/predictions/`` (one JSON per input); ``--jsonl FILE`` also writes
one JSON Lines file with one line per image and face, and ``--batch-size N``
runs the faces of N images or frames through the network in one call. The network runs on ONNX
Runtime (the checkpoint exported once, cached by its SHA-256);
``--backend torch`` is the published PyTorch path, ``--no-flip-test`` the
single pass. On videos the faces are tracked (``track_id``) and their
landmarks smoothed (``--no-smooth``, ``--min-cutoff``, ``--beta``,
``--detect-every``); each face's head pose is in the JSON, ``--draw-pose``
draws it. The frames per second are printed at the end. See docs/inference.md.
"""
import argparse
import os
import sys
import time


def parse_args():
    from mmpose_face.apis.face_detector import DEFAULT_FACE_DETECTOR, DEFAULT_MIN_FACE_SIZE, FACE_DETECTORS
    from mmpose_face.apis.model_aliases import model_names
    from mmpose_face.apis.video_faces import add_video_arguments
    parser = argparse.ArgumentParser(description='Face landmarks with a named model (mmpose-style inferencer)')
    parser.add_argument('inputs', nargs='+', help='images, folders of images or video files')
    parser.add_argument('--model', default='wflw',
                        help=f'model name ({", ".join(model_names())}) or a config file (default: %(default)s)')
    parser.add_argument('--weights', help='checkpoint path or URL (needed with a config file)')
    parser.add_argument('--out-dir', default='work_dirs/inferencer_demo', help='default: %(default)s')
    parser.add_argument('--device', help='cpu, cuda:0, ... (default: CUDA when available)')
    parser.add_argument('--detector', default=DEFAULT_FACE_DETECTOR, choices=sorted(FACE_DETECTORS),
                        help='face detector (default: %(default)s; hog is the light fallback)')
    parser.add_argument('--det-thr', type=float,
                        help="detector score threshold (centerface 0-1, default 0.5; dlib's SVM/CNN score, default 0)")
    parser.add_argument('--det-upsample', type=float,
                        help='upsampling before detection (centerface: resize factor, default 1; '
                             'dlib: times doubled, default 1)')
    parser.add_argument('--min-face-size', type=float, default=DEFAULT_MIN_FACE_SIZE,
                        help='ignore smaller faces (pixels, default: %(default)s)')
    parser.add_argument('--backend', default='onnxruntime', choices=['onnxruntime', 'torch'],
                        help='onnxruntime (default, the checkpoint exported once and cached) or torch '
                             '(the published path)')
    parser.add_argument('--no-flip-test', action='store_true',
                        help='one pass per face instead of two (plain + mirrored crop): about half the time')
    parser.add_argument('--bbox-thr', type=float, help='drop detections below this score (as mmpose)')
    parser.add_argument('--batch-size', type=int, default=1,
                        help='images/frames whose faces go through the network in one call (default: %(default)s)')
    parser.add_argument('--jsonl', help='also write one JSON Lines file: one line per image and face')
    parser.add_argument('--no-draw-bbox', action='store_true', help='draw landmarks only')
    parser.add_argument('--show', action='store_true', help='also show each result in a window')
    add_video_arguments(parser)
    return parser.parse_args()


def main(args):
    from mmpose_face.apis.inferencer import FaceLandmarkInferencer
    from mmpose_face.apis.synthetic_model import warnings_as_lines
    from mmpose_face.apis.video_faces import video_options
    inferencer = FaceLandmarkInferencer(args.model, args.weights, device=args.device, det_model=args.detector,
                                        det_score_thr=args.det_thr, det_upsample=args.det_upsample,
                                        min_face_size=args.min_face_size, show_progress=True,
                                        backend=args.backend, flip_test=False if args.no_flip_test else None)
    num_inputs = num_faces = 0
    started = time.perf_counter()
    with warnings_as_lines():  # the synthetic-model warning: one line, no source line
        results = inferencer(args.inputs, out_dir=args.out_dir, bbox_thr=args.bbox_thr,
                             draw_bbox=not args.no_draw_bbox, show=args.show, batch_size=args.batch_size,
                             jsonl=args.jsonl, **video_options(args))
    for result in results:
        num_inputs += len(result['predictions'])
        num_faces += sum(len(faces) for faces in result['predictions'])
    seconds = time.perf_counter() - started
    print(f'{num_faces} faces in {num_inputs} images/frames in {seconds:.1f} s '
          f'({num_inputs / max(seconds, 1e-9):.1f} frames per second; model {args.model}: {inferencer.weights})\n'
          f'  pictures:    {os.path.join(args.out_dir, "visualizations")}/\n'
          f'  predictions: {os.path.join(args.out_dir, "predictions")}/ (JSON, image pixels)'
          + (f'\n  JSON Lines:  {args.jsonl}' if args.jsonl else ''))


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from mmpose_face.apis.cli import run_tool
    sys.exit(run_tool(main, parse_args()))
