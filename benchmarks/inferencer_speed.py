"""Faces per second through ``FaceLandmarkInferencer``'s call, side by side with mmpose 1.3.2, in one run.

    python benchmarks/inferencer_speed.py [--threads 2] [--repeats 5] [--pause 0.5] [--out FILE.json]

Our side is the inferencer as users call it, with its defaults (ONNX Runtime
on the checkpoint's cached export, CenterFace at the input size chosen for
faces of at least 24 px); mmpose's side is mmpose 1.3.2 as its own API is
used, run by .venv-mmpose's python in its own process
(benchmarks/mmpose_reference/time_inferencer.py). Same model (DeepPose
ResNet-50 256x256, td-reg_res50_8xb64-210e_wflw-256x256.py, random weights
saved to one checkpoint that both sides load: speed does not depend on the
values), same photos (tests/data), same thread count, flip test on and off
(``flip_test=False`` / mmpose's ``test_cfg.flip_test``). Cases:

- ``boxes_batch1`` / ``boxes_batch8`` (detector excluded): the crowd photo
  with 1 / 8 given boxes (the first CenterFace boxes at full size), one call:
  ``inferencer(image, bboxes=boxes)`` against mmpose's
  ``inference_topdown(model, image, boxes)``.
- ``detector_batch1`` / ``detector_batch8`` (detector included): the crowd
  photo, the detector keeping its best 1 / 8 faces, one
  ``inferencer(image)`` call, against CenterFace at the image's full size (the
  input size without our rule; mmpose ships no offline face detector, and
  .venv-mmpose has no onnxruntime, so it runs in this process, timed just
  before mmpose's call) plus ``inference_topdown`` on its boxes.
- ``detector_photos``: both photos, every face found (21), one
  ``inferencer([crowd, football], batch_size=8)`` call, against per photo
  full-size CenterFace plus ``inference_topdown`` on all its boxes.
- ``mmpose_inferencer_batch1`` / ``_batch8``: 1 / 8 face crops (cut from the
  crowd photo, saved as PNG) as whole images, against mmpose's
  ``MMPoseInferencer(pose2d=config, pose2d_weights=checkpoint,
  det_model='whole_image')`` on the same crops; ours with
  ``bboxes`` = each whole crop and ``batch_size`` = the number of crops.

The sides alternate call by call, each after ``--pause`` seconds of sleep
(so that the other side's worker threads are asleep), ``--repeats`` calls
per side and case, after one warm-up call each; medians, and the ratio
mmpose's median time per face / ours. Also recorded: the largest difference
of our keypoints from mmpose's on the same boxes (pixels), the detector's
times at both input sizes, and the load average before and after.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
from statistics import median

from timing import add_side_by_side_arguments  # benchmarks/, the script's own folder

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = 'face_2d_keypoint/topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py'
PHOTOS = [osp.join(ROOT, 'tests', 'data', name)
          for name in ('7_Cheering_Cheering_7_16.jpg', '36_Football_americanfootball_ball_36_415.jpg')]
MMPOSE_PYTHON = osp.join(ROOT, '.venv-mmpose', 'bin', 'python')
MIN_FACE_SIZE = 24.


class MmposeSide:
    """The mmpose process: one JSON command per call, one JSON answer."""

    def __init__(self, job_file: str):
        self.process = subprocess.Popen(
            [MMPOSE_PYTHON, osp.join(ROOT, 'benchmarks', 'mmpose_reference', 'time_inferencer.py'), job_file],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for line in self.process.stdout:  # mmengine prints its loading messages to stdout first
            if line.strip() == 'ready':
                return
        raise RuntimeError('the mmpose side did not start (see its messages above)')

    def __call__(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + '\n')
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=60)


def main(args):
    with tempfile.TemporaryDirectory(prefix='inferencer_speed_') as work:  # a 95 MB checkpoint and its exports
        measure(args, work)


def measure(args, work: str):
    sys.path.insert(0, ROOT)
    from timing import cpu_model, pin_threads, usable_cores
    pin_threads(args.threads)
    import cv2
    import numpy as np
    import torch
    from mmpose_face.apis import init_model
    from mmpose_face.apis.face_detector import CenterFaceDetector
    from mmpose_face.apis.inferencer import FaceLandmarkInferencer

    load_before = os.getloadavg()
    config = osp.join(ROOT, 'configs', CONFIG)
    torch.manual_seed(0)
    model = init_model(config, cfg_options=dict(model=dict(backbone=dict(init_cfg=None))))
    checkpoint = osp.join(work, 'res50_random.pth')
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    del model
    images = [cv2.imread(path) for path in PHOTOS]
    detector = CenterFaceDetector(min_face_size=MIN_FACE_SIZE, num_threads=args.threads)  # ours: chosen size
    full_size = CenterFaceDetector(upsample=1.0, min_face_size=MIN_FACE_SIZE, num_threads=args.threads)
    boxes = full_size(images[0])[0][:8]
    assert len(boxes) == 8
    crop_files = []
    for index, (x1, y1, x2, y2) in enumerate(boxes.round().astype(int)):
        crop_files.append(osp.join(work, f'crop_{index}.png'))
        cv2.imwrite(crop_files[-1], images[0][max(0, y1):y2, max(0, x1):x2])
    crops = [cv2.imread(path) for path in crop_files]
    whole_crop_boxes = [[[0, 0, crop.shape[1], crop.shape[0]]] for crop in crops]

    start = time.perf_counter()
    ours = {flip: FaceLandmarkInferencer(config, checkpoint, det_model=detector, num_threads=args.threads,
                                         flip_test=flip) for flip in (True, False)}
    export_seconds = time.perf_counter() - start  # both exports, made and checked once per checkpoint

    def top(count):
        return lambda image: tuple(values[:count] for values in detector(image))

    def our_call(flip, case):
        inferencer = ours[flip]
        if case.startswith('boxes_batch'):
            count = int(case[len('boxes_batch'):])
            results = list(inferencer(images[0], bboxes=boxes[:count]))
        elif case.startswith('detector_batch'):
            inferencer.detector = top(int(case[len('detector_batch'):]))
            results = list(inferencer(images[0]))
        elif case == 'detector_photos':
            inferencer.detector = detector
            results = list(inferencer(images, batch_size=8))
        else:
            count = int(case[len('mmpose_inferencer_batch'):])
            results = list(inferencer(crops[:count], bboxes=whole_crop_boxes[:count], batch_size=count))
        return [face for result in results for faces in result['predictions'] for face in faces]

    detector_seconds = dict(chosen_size=[], full_size=[])

    def mmpose_call(flip, case, keypoints=False):
        """(seconds, faces, keypoints or None) of mmpose's side, its detector (full size) included."""
        if case.startswith('boxes_batch'):
            count = int(case[len('boxes_batch'):])
            answer = mmpose(kind='topdown', flip=flip, image=0, boxes=boxes[:count].tolist(), keypoints=keypoints)
            return answer['seconds'], count, answer.get('keypoints')
        if case.startswith('mmpose_inferencer_batch'):
            count = int(case[len('mmpose_inferencer_batch'):])
            answer = mmpose(kind='inferencer', flip=flip, count=count, keypoints=keypoints)
            return answer['seconds'], count, answer.get('keypoints')
        count = int(case[len('detector_batch'):]) if case.startswith('detector_batch') else None
        seconds, faces = 0., 0
        for index in ([0] if count else range(len(images))):
            start = time.perf_counter()
            found = full_size(images[index])[0][:count]
            detector_seconds['full_size'].append(time.perf_counter() - start)
            seconds += detector_seconds['full_size'][-1]
            seconds += mmpose(kind='topdown', flip=flip, image=index, boxes=found.tolist())['seconds']
            faces += len(found)
        return seconds, faces, None

    job = osp.join(work, 'job.json')
    with open(job, 'w') as f:
        json.dump(dict(config=CONFIG, checkpoint=checkpoint, images=PHOTOS, crops=crop_files,
                       threads=args.threads), f)
    cases = ['boxes_batch1', 'boxes_batch8', 'detector_batch1', 'detector_batch8', 'detector_photos',
             'mmpose_inferencer_batch1', 'mmpose_inferencer_batch8']
    seconds = {flip: {case: dict(ours=[], mmpose=[]) for case in cases} for flip in (True, False)}
    faces = {flip: {case: {} for case in cases} for flip in (True, False)}
    max_px_difference = {}
    mmpose = MmposeSide(job)
    try:
        for flip in (True, False):  # warm-up, face counts and the keypoints compared
            for case in cases:
                found = our_call(flip, case)
                _, mmpose_faces, mmpose_keypoints = mmpose_call(flip, case, keypoints=case.endswith('batch8'))
                faces[flip][case] = dict(ours=len(found), mmpose=mmpose_faces)
                if mmpose_keypoints is not None:
                    difference = np.abs(np.array([face['keypoints'] for face in found])
                                        - np.array(mmpose_keypoints).reshape(len(found), -1, 2)).max()
                    max_px_difference[f'{case}_flip{flip}'] = float(difference)
        for _ in range(args.repeats):
            for flip in (True, False):
                for case in cases:
                    time.sleep(args.pause)
                    seconds[flip][case]['mmpose'].append(mmpose_call(flip, case)[0])
                    time.sleep(args.pause)
                    start = time.perf_counter()
                    our_call(flip, case)
                    seconds[flip][case]['ours'].append(time.perf_counter() - start)
                    if case == 'detector_batch8':
                        time.sleep(args.pause)
                        start = time.perf_counter()
                        detector(images[0])
                        detector_seconds['chosen_size'].append(time.perf_counter() - start)
    finally:
        mmpose.close()
    rows = {}
    for flip in (True, False):
        for case in cases:
            ours_s, mmpose_s = median(seconds[flip][case]['ours']), median(seconds[flip][case]['mmpose'])
            count = faces[flip][case]
            row = dict(faces_ours=count['ours'], faces_mmpose=count['mmpose'],
                       ours_faces_per_s=count['ours'] / ours_s, mmpose_faces_per_s=count['mmpose'] / mmpose_s,
                       ours_median_s=ours_s, mmpose_median_s=mmpose_s)
            row['ratio'] = row['ours_faces_per_s'] / row['mmpose_faces_per_s']
            rows[f'{case}_flip{"On" if flip else "Off"}'] = row
    load_after = os.getloadavg()
    print(f'CPU: {cpu_model()}, {usable_cores()} usable cores, {args.threads} threads; {args.repeats} alternating '
          f'calls per side and case; load average before {load_before[0]:.2f}, after {load_after[0]:.2f}')
    print(f"{'case':<34} {'faces':>5} {'ours faces/s':>13} {'mmpose faces/s':>15} {'x mmpose':>9}")
    for name, row in rows.items():
        print(f"{name:<34} {row['faces_ours']:>5} {row['ours_faces_per_s']:>13.2f} "
              f"{row['mmpose_faces_per_s']:>15.2f} {row['ratio']:>9.2f}")
    print('max keypoint difference from mmpose (px):', {k: f'{v:.2g}' for k, v in max_px_difference.items()})
    print(f"CenterFace on the crowd photo: {median(detector_seconds['chosen_size']) * 1000:.0f} ms at the chosen "
          f"size, {median(detector_seconds['full_size']) * 1000:.0f} ms at full size (medians)")
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(dict(cpu=cpu_model(), cores=usable_cores(), threads=args.threads, repeats=args.repeats,
                           pause_s=args.pause, load_average_before=load_before, load_average_after=load_after,
                           export_seconds=export_seconds, rows=rows, max_px_difference_from_mmpose=max_px_difference,
                           detector_seconds=detector_seconds, seconds={
                               f'flip{"On" if flip else "Off"}': value for flip, value in seconds.items()}),
                      f, indent=1)


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_side_by_side_arguments(parser)
    main(parser.parse_args())
