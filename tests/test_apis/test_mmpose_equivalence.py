"""Same config and weights as mmpose 1.3.2 -> the same pixels (to 0.01 px), flip test included.

Runs ``benchmarks/compare_with_mmpose.py --small`` (ResNet-18 on 64x64 crops
of the published WFLW DeepPose config, random weights in the 0.x and 1.x
checkpoint layouts, the faces' boxes and the whole image of both photos in
tests/data, flip test on and off) against mmpose 1.3.2 in ``.venv-mmpose``.
That environment is heavy (torch, mmcv, mmpose: about 5 GB, a few minutes)
and not part of ``make test``: create it with
``bash benchmarks/mmpose_reference/setup_env.sh`` (or ``make compare-mmpose``);
without it this test is skipped.
"""

import pytest

from mmpose_reference import needs_mmpose_reference, run_comparison


pytestmark = needs_mmpose_reference


@pytest.fixture(scope='module')
def comparison(tmp_path_factory):
    return run_comparison('compare_with_mmpose.py', tmp_path_factory.mktemp('compare') / 'result.json', '--small')


def test_predictions_equal_mmpose_within_a_hundredth_of_a_pixel(comparison):
    result, process = comparison
    differences = result['max_abs_diff']
    # every weight variant, both checkpoint layouts, flip test on and off
    for variant in ('fc_std0.01', 'fc_std1', 'fc_spread'):
        for layout in ('v0', 'v1'):
            for flip in ('flip0', 'flip1'):
                assert differences[f'pred/{variant}/{layout}/{flip}'] < 0.01, process.stdout
    assert not [key for key in differences if key.startswith('missing/')], process.stdout
    assert result['passed'] and process.returncode == 0, process.stdout
    assert result['ours_v0_vs_v1_px'] == 0.0


def test_the_outputs_compared_vary_so_a_wrong_crop_or_flip_would_show(comparison):
    result, _ = comparison
    assert result['keypoint_spread_px']['pred/fc_spread'] > 10


def test_state_dict_keys_and_shapes_equal_mmpose(comparison):
    result, process = comparison
    assert result['state_dict_keys_equal'], process.stdout


def test_data_pipeline_and_codec_equal_mmpose(comparison):
    differences = comparison[0]['max_abs_diff']
    for key in ('img', 'bbox_center', 'bbox_scale', 'input_center', 'input_scale',
                'transformed_keypoints', 'keypoint_labels', 'keypoint_weights'):
        assert differences[f'pipeline/{key}'] < 1e-4, key
    for key in ('keypoint_labels', 'keypoint_weights', 'decoded_keypoints', 'decoded_scores'):
        assert differences[f'codec/{key}'] < 1e-6, key
