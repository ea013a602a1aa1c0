"""RandomBBoxTransform draws what mmpose 1.3.2 draws for the same numpy seed
(scipy's truncated normal, then the three coins, in mmpose's order)."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from scipy.stats import truncnorm

from mmpose_face.datasets.transforms import RandomBBoxTransform

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SCRIPT = osp.join(REPO, 'benchmarks', 'mmpose_reference', 'bbox_transform_draws.py')
REFERENCE_PYTHON = osp.join(REPO, '.venv-mmpose', 'bin', 'python')


def test_one_truncated_normal_call_then_the_coins():
    np.random.seed(5)
    shift, scale, rotation = RandomBBoxTransform(shift_prob=1., scale_prob=1., rotate_prob=1.).sample_parameters(3)
    np.random.seed(5)
    draws = truncnorm.rvs(-1., 1., size=(3, 4)).astype(np.float32)
    np.testing.assert_array_equal(shift, draws[:, :2] * 0.16)
    np.testing.assert_array_equal(scale, draws[:, 2:3] * 0.5 + 1.)  # default scale_factor (0.5, 1.5)
    np.testing.assert_array_equal(rotation, draws[:, 3] * 80.)


@pytest.mark.skipif(not osp.exists(REFERENCE_PYTHON),
                    reason='needs .venv-mmpose (bash benchmarks/mmpose_reference/setup_env.sh)')
def test_same_seed_same_boxes_as_mmpose():
    ours = subprocess.run([sys.executable, SCRIPT, '7', 'mmpose_face'], capture_output=True, text=True,
                          check=True, env=dict(os.environ, PYTHONPATH=REPO)).stdout
    theirs = subprocess.run([REFERENCE_PYTHON, SCRIPT, '7', 'mmpose'], capture_output=True, text=True,
                            check=True, env={k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}).stdout
    assert json.loads(ours) == json.loads(theirs)
