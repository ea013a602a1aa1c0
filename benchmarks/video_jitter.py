"""Landmark jitter and lag on a synthetic shaky video, raw and smoothed, through the video path.

    python benchmarks/video_jitter.py [CONFIG CHECKPOINT] [--still synthetic|photo] [--frames 240]
        [--min-cutoff 0.3] [--beta 0.1] [--detect-every 10] [--json OUT]

A still image and its reference landmarks are moved frame by frame by known
affines (:mod:`mmpose_face.data_preparation.synthetic.shaky_video`): a
steady pan (0.3, 0.1) px and 0.02 degrees per frame, and a fast turn (still,
then 8 frames of (12, 3) px and 2 degrees each, then still), with fresh
sensor noise (2 grey levels) per frame. The faces go through the
:class:`~mmpose_face.apis.face_tracking.FaceTracker` (the "detector" gives the
true face box every ``--detect-every`` frames; between, boxes are carried
from the landmarks) and one One-Euro filter. Figures
(:func:`~mmpose_face.data_preparation.synthetic.shaky_video.jitter_figures`):
jitter = std over time of (predicted - true), averaged over points and x/y;
lag in frames (least squares); RMS error around the fast turn. For a
model, whose error drifts slowly as the face moves (no filter removes that)
and whose bias along a steady pan reads as lag, also the frame-to-frame
jitter (second differences) and the filter's own lag (smoothed behind raw).

Two predictors:

- ``known-noise stand-in``: predictions = truth + 0.7 px Gaussian noise per
  point and frame (no model; what the filter does to noise of a known size);
- the model of CONFIG CHECKPOINT (default: the demo model of `make demo`,
  when it has been trained), run by the demo's
  :class:`~mmpose_face.apis.face_landmarks_demo.FaceLandmarker` (ONNX
  Runtime). ``--still synthetic`` (the default for a model trained on
  synthetic faces): a face drawn by the synthetic generator and its exact
  landmarks; ``--still photo``: a WFLW-annotated face of
  tests/data/7_Cheering_Cheering_7_16.jpg and its annotation.

The requirement (issue 22): the filter cuts the jitter by at least 3x with
at most 1 frame of lag on the steady pan, and does not increase the error
on the fast turn. Speed is not measured here.
"""
import argparse
import json
import os.path as osp
import sys

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

DEMO_CONFIG = 'configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py'
DEMO_CHECKPOINT = 'work_dirs/demo/epoch_12.pth'
PHOTO, PHOTO_ANNOTATIONS = 'tests/data/7_Cheering_Cheering_7_16.jpg', 'tests/data/test_wflw.json'
NOISE_PX, FPS, STILL_SIZE = 0.7, 30., 256


def parse_args():
    parser = argparse.ArgumentParser(description='Jitter and lag of the video path on a synthetic shaky video')
    parser.add_argument('config', nargs='?', help=f'model config (default: the demo model, {DEMO_CONFIG})')
    parser.add_argument('checkpoint', nargs='?', help=f'its checkpoint (default: {DEMO_CHECKPOINT})')
    parser.add_argument('--still', choices=['synthetic', 'photo'],
                        help='the still image (default: synthetic for a model trained on synthetic faces, else photo)')
    parser.add_argument('--frames', type=int, default=240, help='frames of the steady pan (default: %(default)s)')
    parser.add_argument('--min-cutoff', type=float, default=None, help='One-Euro min_cutoff (default: the package\'s)')
    parser.add_argument('--beta', type=float, default=None, help='One-Euro beta (default: the package\'s)')
    parser.add_argument('--detect-every', type=int, default=10)
    parser.add_argument('--json', help='write the figures here')
    return parser.parse_args()


def synthetic_still(seed: int = 3):
    """(image (256, 256, 3) BGR, landmarks (98, 2)): one face drawn by the synthetic generator."""
    from mmpose_face.data_preparation.synthetic.face_rendering import render_image
    from mmpose_face.data_preparation.synthetic.face_sampling import sample_faces
    rng = np.random.default_rng(seed)
    while True:
        faces = sample_faces(rng, 1, STILL_SIZE, STILL_SIZE)
        if faces and not faces[0].occluder and faces[0].blur is None and faces[0].illumination is None:
            return render_image(rng, STILL_SIZE, STILL_SIZE, faces), np.asarray(faces[0].landmarks, np.float64)


def photo_still():
    """(image, landmarks (98, 2)): a 256 x 256 crop of the sample photo around its first annotated face."""
    from mmpose_face.fileio import read_image_bgr
    with open(osp.join(ROOT, PHOTO_ANNOTATIONS)) as f:
        coco = json.load(f)
    image_id = next(i['id'] for i in coco['images'] if i['file_name'] == osp.basename(PHOTO))
    annotation = next(a for a in coco['annotations'] if a['image_id'] == image_id)
    landmarks = np.asarray(annotation['keypoints'], np.float64).reshape(-1, 3)[:, :2]
    image = read_image_bgr(osp.join(ROOT, PHOTO))
    size = int(max(STILL_SIZE, 2 * np.ptp(landmarks, axis=0).max()))
    x0, y0 = (landmarks.mean(axis=0) - size / 2).astype(int).clip(0)
    crop = np.ascontiguousarray(image[y0:y0 + size, x0:x0 + size])
    return crop, landmarks - [x0, y0]


def run_scenarios(frames_of, true_of, predict_of, smoothing: dict, detect_every: int, pan_frames: int) -> dict:
    """``{'steady_pan': {'raw', 'smoothed'}, 'fast_turn': {...}}`` for one predictor."""
    from mmpose_face.apis.jitter_measurement import measure_tracked_jitter
    figures = {}
    for name, settle, window in (('steady_pan', 60, None), ('fast_turn', 0, slice(95, 140))):
        counter = [0]
        true = true_of(name)
        result = measure_tracked_jitter(frames_of(name), true, predict_of(true, counter), fps=FPS,
                                        detect_every=detect_every, settle_frames=settle, window=window,
                                        frame_counter=counter, **smoothing)
        figures[name] = dict(raw=result['raw'], smoothed=result['smoothed'], filter_lag_frames=result['filter_lag_frames'],
                             track_changes=int((np.diff(result['track_ids']) != 0).sum()))
    return figures


def report(label: str, figures: dict) -> None:
    pan, turn = figures['steady_pan'], figures['fast_turn']
    cut = pan['raw']['jitter_px'] / max(pan['smoothed']['jitter_px'], 1e-12)
    print(f'\n{label}')
    print(f"  steady pan: jitter raw {pan['raw']['jitter_px']:.3f} px, smoothed {pan['smoothed']['jitter_px']:.3f} px "
          f"(cut {cut:.1f}x, required >= 3x); lag raw {pan['raw']['lag_frames']:+.2f}, smoothed "
          f"{pan['smoothed']['lag_frames']:+.2f} frames (required |lag| <= 1); track changes {pan['track_changes']}")
    f2f_cut = pan['raw']['frame_to_frame_jitter_px'] / max(pan['smoothed']['frame_to_frame_jitter_px'], 1e-12)
    print(f"              frame-to-frame jitter raw {pan['raw']['frame_to_frame_jitter_px']:.3f} px, smoothed "
          f"{pan['smoothed']['frame_to_frame_jitter_px']:.3f} px (cut {f2f_cut:.1f}x); the filter's own lag "
          f"(smoothed behind raw) {pan['filter_lag_frames']:+.2f} frames")
    print(f"  fast turn:  RMS error raw {turn['raw']['rms_px']:.3f} px, smoothed {turn['smoothed']['rms_px']:.3f} px "
          f"(required smoothed <= raw); track changes {turn['track_changes']}")
    figures['verdict'] = dict(jitter_cut=cut, frame_to_frame_cut=f2f_cut, cut_ok=cut >= 3,
                              lag_ok=abs(pan['smoothed']['lag_frames']) <= 1,
                              filter_lag_ok=abs(pan['filter_lag_frames']) <= 1,
                              turn_ok=turn['smoothed']['rms_px'] <= turn['raw']['rms_px'])


def main(args):
    from mmpose_face.apis.jitter_measurement import known_noise_predictor
    from mmpose_face.data_preparation.synthetic.shaky_video import (fast_turn, shaky_frames, steady_pan,
                                                                    true_landmarks)
    smoothing = {k: v for k, v in dict(min_cutoff=args.min_cutoff, beta=args.beta).items() if v is not None}
    config, checkpoint = args.config, args.checkpoint
    if config is None and osp.isfile(osp.join(ROOT, DEMO_CHECKPOINT)):
        config, checkpoint = osp.join(ROOT, DEMO_CONFIG), osp.join(ROOT, DEMO_CHECKPOINT)
    results = dict(machine='2-core CPU (shared), no GPU', frames=args.frames, smoothing=smoothing or 'defaults')

    def motions(centre):
        return dict(steady_pan=steady_pan(args.frames, centre, (0.3, 0.1), 0.02),
                    fast_turn=fast_turn(200, centre, start=100, length=8, shift_per_frame=(12., 3.),
                                        rotation_per_frame=2.))

    # the stand-in: no pixels, the truth plus known noise
    face = synthetic_still()[1]
    stand_in_motions = motions(face.mean(axis=0))
    blank = np.zeros((STILL_SIZE, STILL_SIZE, 3), np.uint8)
    label = f'known-noise stand-in (predictions = truth + {NOISE_PX} px Gaussian noise; no model)'
    results['known_noise_stand_in'] = run_scenarios(
        lambda name: [blank] * len(stand_in_motions[name]), lambda name: true_landmarks(face, stand_in_motions[name]),
        lambda true, counter: known_noise_predictor(true, NOISE_PX, lambda: counter[0]), smoothing,
        args.detect_every, args.frames)
    report(label, results['known_noise_stand_in'])

    if config is None:
        print(f'\nno model: give CONFIG CHECKPOINT, or train the demo model (`make demo`, {DEMO_CHECKPOINT})')
    else:
        from mmpose_face.apis.face_landmarks_demo import FaceLandmarker
        from mmpose_face.engine.hooks.training_data_record_hook import trained_on
        landmarker = FaceLandmarker(config, checkpoint)
        meta = trained_on(landmarker.model.checkpoint_meta) or {}
        still_kind = args.still or ('synthetic' if meta.get('synthetic') else 'photo')
        still, landmarks = synthetic_still() if still_kind == 'synthetic' else photo_still()
        model_motions = motions(landmarks.mean(axis=0))
        trained = f'{meta.get("dataset", "?")}{", synthetic faces" if meta.get("synthetic") else ""}'
        label = (f'model {checkpoint} (trained on {trained}), still: {still_kind} face, ONNX Runtime, '
                 f'detector (true box) every {args.detect_every} frames')
        results['model'] = run_scenarios(
            lambda name: shaky_frames(still, model_motions[name], np.random.default_rng(0), sensor_noise=2.0),
            lambda name: true_landmarks(landmarks, model_motions[name]),
            lambda true, counter: landmarker.predict, smoothing, args.detect_every, args.frames)
        results['model']['label'] = label
        report(label, results['model'])
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main(parse_args())
