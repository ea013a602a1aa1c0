"""CSPNeXt equals mmdet 3.3.0's for RTMPose-t/s/m's backbone settings (deepen/widen
0.167/0.375, 0.33/0.5, 0.67/0.75; channel attention, expand_ratio 0.5, SiLU):
the same state-dict keys and shapes (so released checkpoints load unchanged), the
same initial weights from one seed, and the same stage outputs and BatchNorm updates
with mmdet's weights loaded (benchmarks/compare_cspnext_with_mmdet.py)."""
from mmpose_reference import needs_mmpose_reference, run_comparison

RTMPOSE_T_BACKBONE_PARAMETERS = 2_348_700


@needs_mmpose_reference
def test_rtmpose_t_s_m_backbones_match_mmdet(tmp_path):
    results, _ = run_comparison('compare_cspnext_with_mmdet.py', tmp_path / 'cspnext.json')
    assert [case['case'] for case in results['cases']] == ['t', 's', 'm']
    for case in results['cases']:
        assert case['keys_and_shapes_match'] and case['keys_in_same_order'], case
        assert case['num_parameters'] == case['mmdet_num_parameters'], case
        assert case['init_max_abs_difference'] == 0, case  # same creation order and init: bit-identical
        assert case['eval_max_abs_difference'] <= 1e-5, case
        assert case['train_max_abs_difference'] <= 1e-5, case
        assert case['running_stats_max_abs_difference'] <= 1e-5, case
    assert results['cases'][0]['num_parameters'] == RTMPOSE_T_BACKBONE_PARAMETERS
    assert results['cases'][2]['output_shapes'][-1] == [2, 768, 2, 2]  # RTMPose-m: 1024 x 0.75 channels, stride 32
