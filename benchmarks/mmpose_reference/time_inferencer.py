"""The mmpose 1.3.2 side of benchmarks/inferencer_speed.py (run with .venv-mmpose's python).

    .venv-mmpose/bin/python benchmarks/mmpose_reference/time_inferencer.py JOB.json

JOB.json: {"config": path relative to mmpose/.mim/configs, "checkpoint": file,
"images": [photo paths], "crops": [face crop image files], "threads": N}.
Loads the model with mmpose's ``init_model`` and, on the same weights,
``MMPoseInferencer(pose2d=config, pose2d_weights=checkpoint,
det_model='whole_image')`` (the face crop is the whole image: mmpose's face
detector needs mmdet weights, and mmpose 1.3.2's inferencer drops given
``bboxes``), prints ``ready``, then answers one JSON line per JSON line read
from stdin:

- ``{"kind": "topdown", "flip": bool, "image": index, "boxes": [[x1, y1, x2, y2], ...],
  "keypoints": bool}``: one ``inference_topdown(model, image, boxes)`` call;
- ``{"kind": "inferencer", "flip": bool, "count": n}``: one call of the
  inferencer on the first n crops (``batch_size=n``), its generator consumed;

answering ``{"seconds": ..., "keypoints": (N, K, 2) when asked}``. Images are
read once, before timing, as the caller's side does. Imports only mmpose.
"""
import json
import os
import os.path as osp
import sys
import time
import warnings

os.environ.setdefault('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
warnings.filterwarnings('ignore')


def main(job_file: str) -> None:
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
    from mmengine.logging import MMLogger
    from mmpose.apis import MMPoseInferencer, inference_topdown, init_model
    config = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', job['config'])
    model = init_model(config, job['checkpoint'], device='cpu')
    inferencer = MMPoseInferencer(pose2d=config, pose2d_weights=job['checkpoint'], det_model='whole_image',
                                  device='cpu')
    MMLogger.get_current_instance().setLevel('ERROR')
    inferencer_model = inferencer.inferencer.model
    images = [cv2.imread(path) for path in job['images']]
    crops = [cv2.imread(path) for path in job['crops']]
    print('ready', flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command['kind'] == 'topdown':
            model.test_cfg['flip_test'] = command['flip']
            boxes = np.array(command['boxes'], dtype=np.float32).reshape(-1, 4)
            start = time.perf_counter()
            results = inference_topdown(model, images[command['image']], boxes)
            answer = dict(seconds=time.perf_counter() - start)
            if command.get('keypoints'):
                answer['keypoints'] = np.concatenate([r.pred_instances.keypoints for r in results]).tolist()
        else:
            inferencer_model.test_cfg['flip_test'] = command['flip']
            count = command['count']
            start = time.perf_counter()
            results = list(inferencer(crops[:count], batch_size=count))
            answer = dict(seconds=time.perf_counter() - start)
            if command.get('keypoints'):
                answer['keypoints'] = [r['predictions'][0][0]['keypoints'] for r in results]
        print(json.dumps(answer), flush=True)


if __name__ == '__main__':
    main(sys.argv[1])
