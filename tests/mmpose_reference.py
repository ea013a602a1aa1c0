"""The side-by-side tests' access to mmpose 1.3.2 (``.venv-mmpose``): the skip and one benchmark run.

Each such test runs a ``benchmarks/compare_*_with_mmpose.py`` script (this
project here, mmpose in its own venv) and reads the JSON it writes.
"""
import json
import os.path as osp
import subprocess
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
REFERENCE_PYTHON = osp.join(REPO, '.venv-mmpose', 'bin', 'python')

needs_mmpose_reference = pytest.mark.skipif(
    not osp.isfile(REFERENCE_PYTHON),
    reason='no mmpose 1.3.2 reference environment (.venv-mmpose); '
           'create it with: bash benchmarks/mmpose_reference/setup_env.sh')


def run_comparison(script: str, out_json, *args: str, timeout: int = 900):
    """Run ``benchmarks/<script> [args] --json out_json`` -> (its JSON, the finished process)."""
    process = subprocess.run([sys.executable, osp.join('benchmarks', script), *args, '--json', str(out_json)],
                             cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert osp.isfile(out_json), (process.stdout + process.stderr)[-4000:]
    with open(out_json) as f:
        return json.load(f), process
