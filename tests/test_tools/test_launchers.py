"""tools/*.sh run $PYTHON, else the repository's .venv/bin/python, else python from PATH.

Each launcher is copied into a scratch repository whose "pythons" (and
``srun``) only record how they were called, so the choice is seen without
starting torch.
"""
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LAUNCHERS = {'dist_train.sh': ['CFG', '2'], 'dist_test.sh': ['CFG', 'CKPT', '2'],
             'slurm_train.sh': ['PARTITION', 'JOB', 'CFG', 'WORK'], 'slurm_test.sh': ['PARTITION', 'JOB', 'CFG', 'CKPT']}


def recorder(path: Path, name: str) -> None:
    """An executable that appends ``name`` and its arguments to ``$CALLS``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{name} $*" >> "$CALLS"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def scratch(tmp_path):
    repository = tmp_path / 'clone'
    (repository / 'tools').mkdir(parents=True)
    for name in [*LAUNCHERS, 'choose_python.sh']:
        shutil.copy2(REPO_ROOT / 'tools' / name, repository / 'tools' / name)
    bin_dir = tmp_path / 'bin'
    recorder(bin_dir / 'python', 'path-python')
    recorder(bin_dir / 'srun', 'srun')  # slurm: the python is srun's argument
    env = {'PATH': f'{bin_dir}:/usr/bin:/bin', 'CALLS': str(tmp_path / 'calls'), 'HOME': str(tmp_path)}
    return repository, env, tmp_path / 'calls'


def launch(repository, env, calls, name, extra_env=None):
    if calls.exists():
        calls.unlink()
    process = subprocess.run(['bash', str(repository / 'tools' / name), *LAUNCHERS[name]], env={**env, **(extra_env or {})},
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 0, process.stderr
    return calls.read_text()


@pytest.mark.parametrize('name', list(LAUNCHERS))
def test_each_launcher_chooses_python_as_the_readme_says(scratch, name):
    repository, env, calls = scratch
    script = 'train.py' if 'train' in name else 'test.py'
    # no $PYTHON, no .venv: python from PATH
    called = launch(repository, env, calls, name)
    assert ('path-python ' if name.startswith('dist') else 'srun ') in called and f'tools/{script}' in called
    assert (f' python -u ' in called) if name.startswith('slurm') else called.startswith('path-python -m torch.distributed.run')
    # a .venv in the repository: its python, without activating it
    recorder(repository / '.venv' / 'bin' / 'python', 'venv-python')
    called = launch(repository, env, calls, name)
    venv_python = str(repository / '.venv' / 'bin' / 'python')
    assert called.startswith('venv-python -m torch.distributed.run') if name.startswith('dist') \
        else f' {venv_python} -u ' in called
    # $PYTHON wins over both
    recorder(repository / 'chosen' / 'python3', 'chosen-python')
    chosen = str(repository / 'chosen' / 'python3')
    called = launch(repository, env, calls, name, {'PYTHON': chosen})
    assert called.startswith('chosen-python -m torch.distributed.run') if name.startswith('dist') \
        else f' {chosen} -u ' in called
