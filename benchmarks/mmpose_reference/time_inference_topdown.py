"""The mmpose 1.3.2 side of benchmarks/cpu_inference_speed.py (run with .venv-mmpose's python).

    .venv-mmpose/bin/python benchmarks/mmpose_reference/time_inference_topdown.py JOB.json OUT.json

JOB.json: {"config": path relative to mmpose/.mim/configs, "checkpoint": file,
"img": photo, "boxes": [[x1, y1, x2, y2], ...] (8 or more), "threads": N,
"repeats": R}. Times mmpose's ``inference_topdown`` (flip test as the config:
on) on the photo with the first box (batch 1) and with the first 8 boxes
(one call, batch 8): the median of R timed calls after one warm-up.
OUT.json: {"batch1_seconds": [...], "batch8_seconds": [...], "pred_batch1": (1, K, 2)}.
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
    out = {}
    for key, chosen in (('batch1_seconds', boxes[:1]), ('batch8_seconds', boxes[:8])):
        inference_topdown(model, image, chosen)
        times = []
        for _ in range(job['repeats']):
            start = time.perf_counter()
            results = inference_topdown(model, image, chosen)
            times.append(time.perf_counter() - start)
        out[key] = times
        if key == 'batch1_seconds':
            out['pred_batch1'] = results[0].pred_instances.keypoints.tolist()
    with open(out_file, 'w') as f:
        json.dump(out, f)


if __name__ == '__main__':
    main(*sys.argv[1:3])
