"""Face landmarks on your own photos and videos.

``python demo/face_landmarks_demo.py INPUT CONFIG CHECKPOINT [--out-dir DIR]``

INPUT: an image, a folder of images, a video file or a webcam index (0).
Faces are found offline (CenterFace by default, ``--detector hog`` the light fallback) or read from
``--bboxes`` (COCO detection results); all faces of an image go through the
network in batches of ``--batch-size``. Writes annotated images / an
annotated mp4 and one JSON of boxes and landmarks per image (per frame for
videos) to ``--out-dir`` (never over an input: the folder that holds the
inputs is refused; inputs that share a stem keep their extension,
``a.jpg.json``, ``a.png.json``). The network runs on ONNX Runtime: the
checkpoint's export is made once and cached beside it by its SHA-256
(``--backend torch``: the published PyTorch path; ``--no-flip-test``: the
single pass, half the work). ``--onnx FILE`` runs an exported model (from
``tools/deployment/pytorch2onnx.py``); CHECKPOINT may then be left out.
On a video or webcam the faces are tracked (``track_id`` in the JSON; the
detector every ``--detect-every`` frames or when a face is lost) and their
landmarks smoothed (``--no-smooth`` turns it off; ``--min-cutoff``,
``--beta``: the One-Euro filter). Every face's head pose (yaw, pitch, roll,
degrees) is in the JSON; ``--draw-pose`` draws its axes. Video frames show
the frames per second, printed again at the end.
See docs/inference.md.
"""
import argparse
import os
import sys


def parse_args():
    from mmpose_face.apis.video_faces import add_video_arguments
    parser = argparse.ArgumentParser(description='Face landmark demo on images, videos or a webcam')
    parser.add_argument('input', help='image, folder of images, video file, or webcam index')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file (not needed with --onnx)')
    parser.add_argument('--out-dir', default='work_dirs/face_landmarks_demo', help='where results go (default: %(default)s)')
    parser.add_argument('--bboxes', help='COCO detection-results JSON with the face boxes (skips the detector)')
    parser.add_argument('--device', default='cpu', help='PyTorch device, e.g. cuda:0')
    parser.add_argument('--batch-size', type=int, default=32, help='faces per forward pass')
    parser.add_argument('--show', action='store_true', help='also show the results in a window (q quits)')
    parser.add_argument('--backend', default='onnxruntime', choices=['onnxruntime', 'torch'],
                        help='onnxruntime (default, the checkpoint exported once and cached) or torch '
                             '(the published path)')
    parser.add_argument('--no-flip-test', action='store_true',
                        help='one pass per face instead of two (plain + mirrored crop): about half the time')
    parser.add_argument('--onnx-cache-dir', help='where exports go when the checkpoint folder is not writable')
    parser.add_argument('--onnx', help='run this exported ONNX model with onnxruntime instead of PyTorch')
    parser.add_argument('--max-frames', type=int, help='stop a video or webcam after this many frames')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='allow checkpoints that need unpickling beyond tensors (trusted files only)')
    parser.add_argument('--skip-hash-check', action='store_true',
                        help='load a checkpoint whose name promises another SHA-256 (a renamed or changed file)')
    parser.add_argument('--detector', default='centerface', choices=['centerface', 'dlib-cnn', 'hog'],
                        help='face detector (default: %(default)s; hog is the light fallback)')
    parser.add_argument('--det-thr', type=float, help='detector score threshold (centerface default 0.5, dlib 0)')
    parser.add_argument('--det-upsample', type=float,
                        help='upsampling before detection (centerface: factor, default 1; dlib: doublings, default 1)')
    parser.add_argument('--min-face-size', type=float, default=24., help='ignore smaller faces (pixels, default: %(default)s)')
    add_video_arguments(parser)
    return parser.parse_args()


def main(args):
    from mmpose_face.apis.face_detector import build_face_detector
    from mmpose_face.apis.video_faces import video_options
    from mmpose_face.apis.face_landmarks_demo import FaceLandmarker, run_demo
    from mmpose_face.apis.input_sources import printable_path
    from mmpose_face.apis.synthetic_model import warnings_as_lines
    if args.checkpoint is None and args.onnx is None:
        raise ValueError('give a CHECKPOINT, or an exported model with --onnx')
    detector = None if args.bboxes else build_face_detector(args.detector, args.det_thr, args.det_upsample,
                                                            args.min_face_size)
    with warnings_as_lines():  # the synthetic-model warning: one line, no source line
        landmarker = FaceLandmarker(args.config, args.checkpoint, device=args.device,
                                    batch_size=args.batch_size, onnx_file=args.onnx, detector=detector,
                                    trusted=args.trust_checkpoint or None,
                                    skip_hash_check=args.skip_hash_check or None, backend=args.backend,
                                    flip_test=False if args.no_flip_test else None,
                                    onnx_cache_dir=args.onnx_cache_dir)
    summary = run_demo(args.input, landmarker, out_dir=args.out_dir, bboxes_file=args.bboxes,
                       show=args.show, max_frames=args.max_frames, **video_options(args))
    for item in summary['items']:
        count = (f"{len(item['faces'])} faces" if 'faces' in item
                 else f"{len(item['frames'])} frames, {sum(len(f['faces']) for f in item['frames'])} faces")
        print(printable_path(f"{item['input']}: {count} -> {item['output']}, {item['json']}"))
    print(f"{summary['num_faces']} faces in {summary['seconds']:.1f} s ({summary['fps']:.1f} frames per second)")


if __name__ == '__main__':
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from mmpose_face.apis.cli import run_tool
    sys.exit(run_tool(main, parse_args()))
