"""Same weights and inputs as mmpose 1.3.2 -> the same head outputs, losses, flip-test
keypoints and scores (1e-5; losses relative), for RLE, IPR, DSNT, integral regression,
the heatmap head (HeatmapHead + MSRAHeatmap) and RTMPose's (RTMCCHead + SimCCLabel +
KLDiscretLoss: equal keypoints, loss to 1e-6 relative); the codecs' targets and
MSRAHeatmap's and SimCCLabel's decoding.

Runs ``benchmarks/compare_heads_with_mmpose.py`` against mmpose in ``.venv-mmpose``
(see tests/test_apis/test_mmpose_equivalence.py); skipped without that environment.
"""

import pytest

from mmpose_reference import needs_mmpose_reference, run_comparison


pytestmark = needs_mmpose_reference


@pytest.fixture(scope='module')
def comparison(tmp_path_factory):
    return run_comparison('compare_heads_with_mmpose.py', tmp_path_factory.mktemp('compare_heads') / 'result.json')


SIMCC_CASES = ('rtmcc', 'rtmcc_rel_bias_rope_silu', 'rtmcc_wflw_m_256')
CASES = ('rle_laplace', 'rle_gaussian_sum', 'rle_no_residual', 'ipr_mse', 'dsnt_js', 'dsnt_debias_beta10',
         'integral_no_deconv', 'heatmap_msra', 'heatmap_msra_conv') + SIMCC_CASES


def test_every_head_matches_mmpose_within_1e_5(comparison):
    result, process = comparison
    differences = result['max_diff']
    assert not [key for key in differences if key.startswith('missing/')], process.stdout
    for case in CASES:
        assert differences[f'loss/{case}/loss_kpt'] < 1e-5, (case, process.stdout)
        assert differences[f'loss/{case}/acc_pose'] < 1e-5, (case, process.stdout)
        assert differences[f'forward/{case}/0'] < 1e-5, case
        for test_cfg in ('flip0', 'flip1', 'flip1_shift_heatmap'):
            assert differences[f'pred/{case}/{test_cfg}/keypoints'] < 1e-5, (case, test_cfg)
            assert differences[f'pred/{case}/{test_cfg}/scores'] < 1e-5, (case, test_cfg)
    assert result['passed'] and process.returncode == 0, process.stdout


def test_state_dicts_load_strictly_into_mmpose_with_the_same_shapes(comparison):
    differences = comparison[0]['max_diff']
    for case in CASES:
        assert differences[f'state_dict_shapes/{case}'] == 0.0, case


def test_codec_heatmaps_match_mmpose(comparison):
    differences = comparison[0]['max_diff']
    codec_keys = [key for key in differences if key.startswith('codec/')]
    # IntegralRegressionLabel: 4 settings x 6 faces x 3 keys; MSRAHeatmap: 3 x 6 x 2; SimCCLabel: 3 x 6 x 3
    assert len(codec_keys) == 4 * 6 * 3 + 3 * 6 * 2 + 3 * 6 * 3
    assert max(differences[key] for key in codec_keys) < 1e-6


def test_msra_heatmap_decodes_as_mmpose_ties_and_empty_maps_included(comparison):
    differences = comparison[0]['max_diff']
    quarter_step = [key for key in differences if key.startswith('decode/msra_sigma2/')]
    assert len(quarter_step) == 4 * 2
    assert max(differences[key] for key in quarter_step) == 0.0
    # DARK on noisy Gaussians: OpenCV's blur and ours sum in another order (keypoints: in
    # units of the crop width)
    dark = [key for key in differences if key.startswith('decode/msra_unbiased')]
    assert len(dark) == 2 * 4 * 2
    assert max(differences[key] for key in dark) < 1e-5


def test_the_compared_outputs_vary_so_a_wrong_flip_would_show(comparison):
    result = comparison[0]
    for case in CASES:
        assert result['keypoint_std_px'][case] > 1.0, case
    for case in ('rle_laplace', 'rle_gaussian_sum', 'rle_no_residual', 'heatmap_msra', 'heatmap_msra_conv',
                 *SIMCC_CASES):
        assert result['score_std'][case] > 0.05, case


def test_rtmcc_head_predicts_the_same_keypoints_and_its_loss_to_1e_6(comparison):
    """Arg-max bins: the same keypoints (0 px) with and without the flip test; the
    KL loss (beta 10, label softmax; a loss mask) to 1e-6 relative."""
    differences = comparison[0]['max_diff']
    for case in SIMCC_CASES:
        assert differences[f'loss/{case}/loss_kpt'] < 1e-6, case
        assert differences[f'forward/{case}/1'] < 1e-5, case
        for test_cfg in ('flip0', 'flip1'):
            assert differences[f'pred/{case}/{test_cfg}/keypoints'] == 0.0, (case, test_cfg)


def test_simcc_label_decodes_as_mmpose_ties_empty_vectors_visibility_and_dark(comparison):
    differences = comparison[0]['max_diff']
    plain = [key for key in differences if key.startswith(('decode/simcc_argmax/', 'decode/simcc_visibility/'))]
    assert len(plain) == 2 * 4 * 2
    assert max(differences[key] for key in plain) < 1e-12
    # DARK: numpy's float32 log (its SIMD code) and torch's round differently in about 7% of
    # values, and the division by the second difference magnifies that (keypoints in units of
    # the crop width: 1e-5 is 6.4e-4 px of the 64 px crop)
    dark = [key for key in differences if key.startswith('decode/simcc_dark')]
    assert len(dark) == 2 * 4 * 2
    assert max(differences[key] for key in dark) < 1e-5
