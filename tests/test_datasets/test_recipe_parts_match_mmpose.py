"""RTMPose's recipe parts give mmpose 1.3.2's / mmdet 3.3.0's outputs for the same seeds and inputs.

benchmarks/mmpose_reference/recipe_parts_outputs.py runs once in each toolbox:
YOLOXHSVRandomAug's images, RandomHalfBody's boxes and the generator state it
leaves (face layout with no body parts, and body-part layouts), KeypointConverter
(one-to-one and averaged pairs, flip_indices), CombinedDataset over the sample
WFLW file converted to 106 points through Face6's train pipeline (resampled too),
and ExpMomentumEMA's averaged weights.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from tests.mmpose_reference import REFERENCE_PYTHON, REPO, needs_mmpose_reference

SCRIPT = osp.join('benchmarks', 'mmpose_reference', 'recipe_parts_outputs.py')


def outputs(python, toolbox, env):
    process = subprocess.run([python, SCRIPT, toolbox], cwd=REPO, capture_output=True, text=True, timeout=600,
                             env=env)
    assert process.returncode == 0, process.stderr[-3000:]
    return json.loads(process.stdout)


@pytest.fixture(scope='module')
def both():
    ours = outputs(sys.executable, 'mmpose_face', dict(os.environ, PYTHONPATH=REPO))
    theirs = outputs(REFERENCE_PYTHON, 'mmpose', {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'})
    return ours, theirs


@needs_mmpose_reference
@pytest.mark.parametrize('part', ['hsv', 'half_body', 'converter', 'ema'])
def test_same_outputs_as_mmpose(both, part):
    ours, theirs = both
    assert ours[part] == theirs[part]


@needs_mmpose_reference
def test_combined_dataset_items_as_mmpose(both):
    ours, theirs = (side['combined'] for side in both)
    # per round a header (length, lens, K, flip_indices), then the items: 2 x 4 faces; resampled 10 + 2
    assert len(ours) == len(theirs) == 1 + 8 + 1 + 12
    assert [ours[0][:2], ours[9][:2]] == [[8, [4, 4]], [12, [10, 2]]]
    for our_item, their_item in zip(ours, theirs):
        if len(our_item) == 4:
            assert our_item == their_item
            continue
        our_image, their_image = np.array(our_item[1]), np.array(their_item[1])
        # the crop warp's float32 rounding moves a pixel or two by a grey level or two
        assert np.abs(our_image - their_image).max() <= 3 and (our_image != their_image).mean() < 1e-3
        np.testing.assert_allclose(our_item[2][2], their_item[2][2], atol=1e-5)  # keypoint_labels
        assert our_item[2][:2] == their_item[2][:2]
        assert [our_item[0]] + our_item[3:] == [their_item[0]] + their_item[3:]
