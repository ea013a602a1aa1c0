"""mmpose's released RTMPose face models, as files written by mmpose 1.3.2 (same keys and shapes,
fixed random weights, named as the release with the name's hash part the file's own SHA-256
prefix): our loader loads them hash-checked and weights-only and refuses them under the real
release's name; then our published path, our ONNX Runtime backend and ``FaceLandmarkInferencer``
(local config + checkpoint) predict what mmpose's ``inference_topdown`` predicts, the export
matches PyTorch, the loss is mmpose's, and the test loop gives mmpose's NME on a WFLW-layout
(RTMPose-m WFLW) and a LaPa-layout (RTMPose-t Face6) file
(benchmarks/compare_rtmpose_with_mmpose.py, mmpose's own config files)."""
from mmpose_reference import needs_mmpose_reference, run_comparison

RELEASED = {'wflw': 'rtmpose-m_simcc-wflw_pt-aic-coco_60e-256x256-dc1dcdcf_20230228.pth',
            'face6-t': 'rtmpose-t_simcc-face6_pt-in1k_120e-256x256-df79d9a5_20230529.pth'}


@needs_mmpose_reference
def test_released_rtmpose_checkpoints_load_and_predict_as_mmpose(tmp_path):
    reports, process = run_comparison('compare_rtmpose_with_mmpose.py', tmp_path / 'rtmpose.json',
                                      '--model', 'wflw', 'face6-t', '--mmpose-file', timeout=1500)
    assert [report['model'] for report in reports] == ['wflw', 'face6-t']
    for report in reports:
        name, released = report['model'], report['released_file']
        stem, date = RELEASED[name].rsplit('-', 1)[0], RELEASED[name].rsplit('_', 1)[1]
        assert released['checkpoint_name'] == f'{stem}-{released["sha256"][:8]}_{date}', report
        assert released['weights_only_keys'] == ['meta', 'state_dict'], report
        assert released['wrong_hash_refused'], report
        assert 'sha256 prefix' in released['wrong_hash_message'] and RELEASED[name] in released['wrong_hash_message']
        assert report['state_dict_keys_equal'], report
        for key in ('max_diff_pred', 'max_diff_onnx', 'max_diff_inferencer', 'max_diff_onnx_vs_pytorch_px'):
            assert report[key] <= 1e-4, (key, report)
        for key in ('max_diff_score', 'max_diff_onnxscore', 'max_diff_inferencerscore',
                    'max_diff_onnx_vs_pytorch_score'):
            assert report[key] <= 1e-4, (key, report)
        assert report['export_check_max_diff']['flip1'] < 1e-4, report
        assert report['max_rel_diff_loss'] <= 1e-6, report
        assert abs(report['NME']['ours'] - report['NME']['mmpose']) <= 1e-6 * report['NME']['mmpose'], report
        assert report['NME']['mmpose'] > 0, report  # random weights: far from the faces
        assert report['passed'], report
    assert process.returncode == 0, process.stderr[-3000:]
