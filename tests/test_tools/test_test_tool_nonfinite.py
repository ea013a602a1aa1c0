"""tools/test.py with a model that predicts NaN: not NME 0.00 and exit 0 (issue 20, item 6).

A ResNet-18 of the tiny test config whose head weights are NaN: every
predicted point is NaN. The test tool reports each face as a failure with
an infinite error, names the count, writes the metrics and the per-face dump
as standard JSON (an infinite NME is ``null``), lists the files it wrote and
exits non-zero, unless ``--allow-nonfinite`` is given.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'


def nan_head_checkpoint(path: Path) -> Path:
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose_face.registry import MODELS
    init_default_scope('mmpose_face')
    model = MODELS.build(Config.fromfile(str(REPO_ROOT / CONFIG)).model)
    state_dict = model.state_dict()
    state_dict['head.fc.weight'] = torch.full_like(state_dict['head.fc.weight'], float('nan'))
    torch.save({'state_dict': state_dict}, path)
    return path


def run_test_tool(*args):
    env = {key: value for key, value in os.environ.items() if key != 'MMPOSE_FACE_DEBUG'}
    process = subprocess.run([sys.executable, 'tools/test.py', CONFIG, *map(str, args)], cwd=REPO_ROOT,
                             env=env, capture_output=True, text=True, timeout=300)
    return process.returncode, process.stdout + process.stderr, process.stderr


def test_nan_predictions_are_failures_and_the_tool_exits_non_zero_unless_allowed(tmp_path):
    checkpoint = nan_head_checkpoint(tmp_path / 'nan_head.pth')
    out = tmp_path / 'metrics.json'
    dump = tmp_path / 'predictions.json'
    code, output, stderr = run_test_tool(checkpoint, '--work-dir', tmp_path / 'refused', '--out', out,
                                         '--dump', dump)
    assert code == 1, output[-3000:]
    assert 'WFLW evaluation: 4 of 4 faces have non-finite predicted keypoints' in output
    assert 'NME 0.00' not in output and 'NME: 0.0000' not in output
    error_lines = [line for line in stderr.splitlines() if line.startswith('error: ')]
    assert error_lines == ['error: 4 test faces have non-finite predicted keypoints (NaN or inf); each counts as '
                           'a failure with an infinite error, so NME is not finite. The model is broken (NaN '
                           'weights or an overflow?); --allow-nonfinite exits 0 with these results'], stderr[-2000:]
    def strict_json(path):  # NaN / Infinity are not JSON: refuse them as other readers do
        return json.loads(path.read_text(), parse_constant=lambda token: pytest.fail(f'{path.name}: {token}'))

    metrics = strict_json(out)  # written before refusing
    assert metrics['NME'] is None and metrics['FR@0.1'] == 1.0 and metrics['AUC@0.1'] == 0.0
    faces = strict_json(dump)
    assert len(faces) == 4 and all(face['nme'] is None for face in faces)
    assert all(point == [None, None] for face in faces for point in face['pred_keypoints'])
    written = output[output.index('Files written:'):]  # listed before the refusal
    assert str(out) in written and str(dump) in written

    code, output, _ = run_test_tool(checkpoint, '--work-dir', tmp_path / 'allowed', '--allow-nonfinite')
    assert code == 0, output[-3000:]
    assert 'WFLW evaluation: 4 of 4 faces have non-finite predicted keypoints' in output
