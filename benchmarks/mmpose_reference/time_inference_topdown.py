"""The mmpose 1.3.2 side of benchmarks/cpu_inference_speed.py (run with .venv-mmpose's python).

    .venv-mmpose/bin/python benchmarks/mmpose_reference/time_inference_topdown.py JOB.json OUT.json

JOB.json: {"config": path relative to mmpose/.mim/configs, "checkpoint": file,
"img": photo, "boxes": [[x1, y1, x2, y2], ...] (8 or more), "threads": N}.
Writes the keypoints of the first box (``pred_batch1``, (1, K, 2)) to
OUT.json, prints ``ready``, then times mmpose's ``inference_topdown`` (flip
test as the config: on) once per line read from stdin: ``1`` with the first
box (batch 1), ``8`` with the first 8 boxes (one call, batch 8), answering
the seconds on stdout; so the caller can alternate call by call with its own.
Imports only mmpose (never mmpose_face).
"""
import json
import os
import os.path as osp
import sys
import time
import warnings

os.environ.setdefault('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
warnings.filterwarnings('ignore')


def main(job_file: str, out_file: str) -> None:
    with open(job_file) as f:
        job = json.load(f)
    for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ[name] = str(job['threads'])
    import cv2
    import numpy as np
    import torch
    torch.set_num_threads(job['threads'])
    cv2.setNumThreads(job['threads'])
    import mmpose
    from mmpose.apis import inference_topdown, init_model
    config = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', job['config'])
    model = init_model(config, job['checkpoint'], device='cpu')
    assert model.test_cfg.get('flip_test'), 'the published config tests with flip'
    image = cv2.imread(job['img'])
    boxes = np.array(job['boxes'], dtype=np.float32)
    inference_topdown(model, image, boxes[:8])  # warm-up
    results = inference_topdown(model, image, boxes[:1])
    with open(out_file, 'w') as f:
        json.dump(dict(pred_batch1=results[0].pred_instances.keypoints.tolist()), f)
    print('ready', flush=True)
    for line in sys.stdin:
        count = int(line)
        start = time.perf_counter()
        inference_topdown(model, image, boxes[:count])
        print(time.perf_counter() - start, flush=True)


if __name__ == '__main__':
    main(*sys.argv[1:3])
