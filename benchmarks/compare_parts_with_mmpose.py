"""Part by part, side by side with mmpose 1.3.2: same config dict, same inputs, same results?

    bash benchmarks/mmpose_reference/setup_env.sh      # once: .venv-mmpose/
    .venv/bin/python benchmarks/compare_parts_with_mmpose.py [--json OUT] [--markdown OUT]

Runs benchmarks/mmpose_reference/probe_parts.py twice, in this project's
environment (scope ``mmpose_face``) and in .venv-mmpose (scope ``mmpose``),
in parallel. Each case builds one part (backbone, neck, head, losses,
codec, transforms, mmcv wrappers, preprocessor, data sample) from the same
config dict, feeds it the same seeded inputs and records outputs, the
exception raised and ``repr``. A case matches when

- both raise, and mmpose's exception class is ours or one of its bases
  (ours may be a clearer subclass), or
- neither raises, every output is equal (arrays: exactly, or within
  ``--atol`` for float results of a network forward/backward pass) and the
  reprs are equal.

Prints a Markdown table (part, arguments, result, largest difference) and
exits 1 if any case differs, other than those in ``KNOWN_DIFFERENCES``.
"""
import argparse
import json
import os
import os.path as osp
import pickle
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
PROBE = osp.join(REPO_ROOT, 'benchmarks', 'mmpose_reference', 'probe_parts.py')
REFERENCE_PYTHON = osp.join(REPO_ROOT, '.venv-mmpose', 'bin', 'python')
# Cases known to differ, and why; the comparison reports them apart (see docs/mmpose_compatibility.md).
KNOWN_DIFFERENCES = {}  # case name -> why it differs on purpose (none at present)


def run_probes(mmpose_python: str, out_dir: str) -> tuple:
    """Both probes at once; returns (ours, mmpose's) results."""
    ours_file, theirs_file = osp.join(out_dir, 'ours.pkl'), osp.join(out_dir, 'mmpose.pkl')
    ours_env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    theirs_env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    processes = [subprocess.Popen([sys.executable, PROBE, 'mmpose_face', ours_file], cwd=REPO_ROOT, env=ours_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True),
                 subprocess.Popen([mmpose_python, PROBE, 'mmpose', theirs_file], cwd=REPO_ROOT, env=theirs_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)]
    for process, name in zip(processes, ('mmpose_face', 'mmpose')):
        output, _ = process.communicate()
        if process.returncode:
            raise RuntimeError(f'the {name} probe failed:\n{output[-3000:]}')
    with open(ours_file, 'rb') as f:
        ours = pickle.load(f)
    with open(theirs_file, 'rb') as f:
        theirs = pickle.load(f)
    return ours, theirs


def compare_outputs(ours: dict, theirs: dict, atol: float) -> tuple:
    """(problems, largest absolute difference of array outputs)."""
    problems, largest = [], 0.0
    if set(ours) != set(theirs):
        problems.append(f'outputs {sorted(set(ours) ^ set(theirs))[:5]} only on one side')
    for key in sorted(set(ours) & set(theirs)):
        a, b = ours[key], theirs[key]
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            pairs = list(zip(a, b))
        else:
            pairs = [(a, b)]
        for x, y in pairs:
            if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
                x, y = np.asarray(x), np.asarray(y)
                if x.shape != y.shape:
                    problems.append(f'{key}: shape {x.shape} vs {y.shape}')
                    continue
                if x.dtype.kind in 'fc' or y.dtype.kind in 'fc':
                    finite = np.isfinite(x) & np.isfinite(y)
                    if not np.array_equal(np.isfinite(x), np.isfinite(y)):
                        problems.append(f'{key}: NaN/inf differ')
                        continue
                    difference = float(np.max(np.abs(x[finite].astype(np.float64) - y[finite]))) if finite.any() else 0.
                    largest = max(largest, difference)
                    if difference > atol:
                        problems.append(f'{key}: differs by {difference:.3g}')
                elif not np.array_equal(x, y):
                    problems.append(f'{key}: values differ')
            elif x != y:
                problems.append(f'{key}: {str(x)[:80]!r} vs {str(y)[:80]!r}')
    return problems, largest


def compare_case(ours: dict, theirs: dict, atol: float) -> dict:
    if theirs['error'] or ours['error']:
        if theirs['error'] and ours['error']:
            same = theirs['error'][0] in ours['error']
            return dict(match=same, result=f'both raise {theirs["error"][0]}' + (
                '' if ours['error'][0] == theirs['error'][0] else f' (here {ours["error"][0]}, a subclass)')
                if same else f'mmpose raises {theirs["error"][0]}, here {ours["error"][0]}', largest=None)
        raiser, error = ('mmpose', theirs) if theirs['error'] else ('here', ours)
        return dict(match=False, result=f'only {raiser} raises {error["error"][0]}: {error.get("message", "")[:120]}',
                    largest=None)
    problems, largest = compare_outputs(ours['outputs'], theirs['outputs'], atol)
    if ours['repr'] != theirs['repr']:
        problems.append(f'repr {ours["repr"]!r} vs {theirs["repr"]!r}')
    exact = largest == 0.0
    result = ('same outputs' + (' (bit-identical)' if exact and ours['outputs'] else '')
              + (', same repr' if ours['repr'] is not None else '')) if not problems else '; '.join(problems[:3])
    return dict(match=not problems, result=result, largest=largest)


def markdown_table(rows: list) -> str:
    lines = ['| Part | Arguments / inputs | Case | Result | Max abs diff |', '|---|---|---|---|---|']
    for row in rows:
        largest = '' if row['largest'] is None else f'{row["largest"]:.3g}'
        mark = 'matches' if row['match'] else ('differs (known)' if row.get('known_difference') else 'DIFFERS')
        lines.append(f'| {row["part"]} | `{row["arguments"]}` | {row["case"]} | {mark}: {row["result"]} | {largest} |')
    return '\n'.join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--mmpose-python', default=REFERENCE_PYTHON)
    parser.add_argument('--atol', type=float, default=1e-5,
                        help='tolerance for float outputs (network passes may differ in summation order)')
    parser.add_argument('--json', help='write the rows here')
    parser.add_argument('--markdown', help='write the table here')
    args = parser.parse_args()
    if not osp.isfile(args.mmpose_python):
        print(f'error: {args.mmpose_python} not found; create it with: bash benchmarks/mmpose_reference/setup_env.sh',
              file=sys.stderr)
        return 2
    start = time.time()
    with tempfile.TemporaryDirectory() as out_dir:
        ours, theirs = run_probes(args.mmpose_python, out_dir)
    rows = []
    for name in theirs:
        row = dict(case=name, part=theirs[name]['part'], arguments=theirs[name]['arguments'])
        row.update(compare_case(ours[name], theirs[name], args.atol))
        row['known_difference'] = KNOWN_DIFFERENCES.get(name)
        rows.append(row)
    table = markdown_table(rows)
    print(table)
    matched = sum(row['match'] for row in rows)
    known = sum(not row['match'] and bool(row['known_difference']) for row in rows)
    print(f'\n{matched} of {len(rows)} cases match mmpose 1.3.2, {known} differ as documented '
          f'({time.time() - start:.0f} s)')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(rows=rows, matched=matched, known_differences=known, total=len(rows)), f, indent=1)
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(table + '\n')
    return 0 if matched + known == len(rows) else 1


if __name__ == '__main__':
    sys.exit(main())
