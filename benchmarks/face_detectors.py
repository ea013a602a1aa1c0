"""Offline face detectors on the sample photographs: recall of the faces a person sees, and CPU time.

    python benchmarks/face_detectors.py [--threads 1] [--repeats 3] [--out benchmarks/results/face_detectors.json]

The faces were counted by eye (``benchmarks/data/visible_faces.json``). A
labelled face is found when a detected box contains its centre and the box
side is within 0.5-2x of the face's; each box finds at most one face.
Detections that find no labelled face (small background heads included)
are counted as "other boxes", small background heads found apart.
Time: the median of ``--repeats`` calls per photo after one warm-up call,
with ``--threads`` CPU threads.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

LABELS = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'visible_faces.json')
SETTINGS = [  # (detector, keyword arguments)
    ('hog', dict(upsample=1)),
    ('hog', dict(upsample=1, score_threshold=-0.3)),
    ('hog', dict(upsample=2)),
    ('dlib-cnn', dict(upsample=0)),
    ('dlib-cnn', dict(upsample=1)),
    ('centerface', dict(upsample=1)),
    ('centerface', dict(upsample=1, score_threshold=0.3)),
    ('centerface', dict(upsample=2)),
]


def match(boxes, faces):
    """Indices of the labelled faces (centre x, y, side) found by boxes (N, 4) xyxy; used boxes."""
    found, used = set(), set()
    for face_index, (x, y, side) in enumerate(faces):
        for box_index, (x1, y1, x2, y2) in enumerate(boxes):
            box_side = ((x2 - x1) + (y2 - y1)) / 2
            if box_index not in used and x1 <= x <= x2 and y1 <= y <= y2 and 0.5 <= box_side / side <= 2:
                found.add(face_index)
                used.add(box_index)
                break
    return found, used


def main(args):
    import cv2
    import numpy as np
    import torch
    from mmpose_face.apis.face_detector import build_face_detector
    cv2.setNumThreads(args.threads)
    torch.set_num_threads(args.threads)
    with open(LABELS) as f:
        labels = {name: value for name, value in json.load(f).items() if not name.startswith('_')}
    images = {name: cv2.imread(osp.join('tests', 'data', name)) for name in labels}
    rows = []
    for name, kwargs in SETTINGS:
        try:
            detector = build_face_detector(name, **kwargs)
        except ImportError as error:
            print(f'{name}: skipped ({error})')
            continue
        if hasattr(detector, 'num_threads'):
            detector.num_threads = args.threads
        row = dict(detector=name, settings=kwargs, found=0, faces=0, small_found=0, small_faces=0,
                   other_boxes=0, seconds={})
        for image_name, image in images.items():
            detector(image)
            times = []
            for _ in range(args.repeats):
                start = time.perf_counter()
                boxes, _ = detector(image)
                times.append(time.perf_counter() - start)
            found, used = match(boxes, labels[image_name]['faces'])
            small_found, small_used = match([b for i, b in enumerate(boxes) if i not in used],
                                            labels[image_name]['small_faces'])
            row['found'] += len(found)
            row['faces'] += len(labels[image_name]['faces'])
            row['small_found'] += len(small_found)
            row['small_faces'] += len(labels[image_name]['small_faces'])
            row['other_boxes'] += len(boxes) - len(used) - len(small_used)
            row['seconds'][image_name] = float(np.median(times))
        rows.append(row)
        print(f"{name:<11} {json.dumps(kwargs):<42} faces {row['found']:>2}/{row['faces']}  "
              f"small {row['small_found']:>2}/{row['small_faces']}  other boxes {row['other_boxes']:>2}  "
              + '  '.join(f'{image_name[:12]} {seconds:.2f} s' for image_name, seconds in row['seconds'].items()),
              flush=True)
    if args.out:
        os.makedirs(osp.dirname(args.out) or '.', exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(dict(threads=args.threads, repeats=args.repeats, rows=rows), f, indent=1)


if __name__ == '__main__':
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--out')
    main(parser.parse_args())
