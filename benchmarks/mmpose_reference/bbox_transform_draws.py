"""RandomBBoxTransform's draws for one seed, in either toolbox (JSON on stdout).

    python benchmarks/mmpose_reference/bbox_transform_draws.py SEED mmpose|mmpose_face

Run with .venv-mmpose's python for ``mmpose``: the same seed must give the
same boxes in both (tests/test_datasets/test_bbox_draws_match_mmpose.py).
"""
import json
import sys
import warnings

import numpy as np

warnings.filterwarnings('ignore')


def main(seed: int, toolbox: str) -> list:
    if toolbox == 'mmpose':
        from mmpose.datasets.transforms import RandomBBoxTransform
    else:
        from mmpose_face.datasets.transforms import RandomBBoxTransform
    np.random.seed(seed)
    transform = RandomBBoxTransform(shift_factor=0.16, shift_prob=0.3, scale_factor=(0.6, 1.4),
                                    rotate_factor=60, rotate_prob=0.6)
    draws = []
    for _ in range(200):
        results = transform.transform(dict(bbox_center=np.array([[100., 80.]], np.float32),
                                           bbox_scale=np.array([[50., 40.]], np.float32)))
        draws.append([results[key].tolist() for key in ('bbox_center', 'bbox_scale', 'bbox_rotation')])
    return draws


if __name__ == '__main__':
    print(json.dumps(main(int(sys.argv[1]), sys.argv[2])))
