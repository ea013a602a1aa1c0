"""The Makefile: torch from TORCH_SPEC / TORCH_INDEX; make demo's pictures in one folder."""
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def install_commands(tmp_path, *variables) -> list:
    """The commands ``make install`` would run for a venv that does not exist yet (``make -n``)."""
    process = subprocess.run(['make', '-n', 'install', f'VENV={tmp_path / "venv"}', *variables], cwd=REPO_ROOT,
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 0, process.stderr
    return process.stdout.splitlines()


def torch_installs(commands) -> list:
    return [line for line in commands if 'torch' in line.partition(' -m pip install ')[2]]


def test_torch_comes_from_torch_spec_and_torch_index(tmp_path):
    default = torch_installs(install_commands(tmp_path))
    assert len(default) == 1 and default[0].endswith('pip install -q torch==2.14.1 torchvision==0.29.1')
    chosen = torch_installs(install_commands(tmp_path, 'TORCH_INDEX=https://download.pytorch.org/whl/cpu',
                                             'TORCH_SPEC=torch==2.14.1+cpu'))
    assert chosen == [f'{tmp_path / "venv"}/bin/python -m pip install -q '
                      '--index-url https://download.pytorch.org/whl/cpu torch==2.14.1+cpu']


def test_make_demo_keeps_one_pictures_folder():
    """An absolute --show-dir is used as is (not under a new timestamped folder per run)."""
    makefile = (REPO_ROOT / 'Makefile').read_text()
    [show_dir] = [line.split('--show-dir')[1].split()[0] for line in makefile.splitlines() if '--show-dir' in line]
    assert show_dir == '$(CURDIR)/$(DEMO_WORK)/vis_test'
    assert "local disk" not in makefile
