"""mmpose_face.installation: configs found by name; a clone taken for the package is refused."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmpose_face import installation
from mmpose_face.installation import config_names, find_config

REPO_ROOT = Path(__file__).resolve().parents[1]
WFLW = 'face_2d_keypoint/topdown_regression/wflw/td-reg_res50_softwingloss_8xb64-210e_wflw-256x256.py'


def test_a_checkout_reads_the_clones_own_configs():
    assert installation.is_checkout()
    assert Path(installation.config_root()) == REPO_ROOT / 'configs'
    assert Path(installation.shipped_dir('tools')) == REPO_ROOT / 'tools'


@pytest.mark.parametrize('name', [
    'td-reg_res50_softwingloss_8xb64-210e_wflw-256x256',
    'td-reg_res50_softwingloss_8xb64-210e_wflw-256x256.py',
    f'mmpose_face::{WFLW}',
    f'mmpose_face::{WFLW[:-3]}',
    f'configs/{WFLW}',
])
def test_a_config_is_found_by_name(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not relative to the current folder
    assert Path(find_config(name)) == REPO_ROOT / 'configs' / WFLW


def test_a_path_is_taken_as_given_and_base_files_by_their_relative_name(tmp_path, monkeypatch):
    own = tmp_path / 'td-reg_res50_softwingloss_8xb64-210e_wflw-256x256.py'
    own.write_text('x = 1\n')
    assert find_config(str(own)) == str(own)
    monkeypatch.chdir(tmp_path)
    assert Path(find_config('configs/_base_/datasets/wflw.py')) == REPO_ROOT / 'configs/_base_/datasets/wflw.py'
    assert Path(find_config('mmpose_face::_base_/default_runtime.py')) == \
        REPO_ROOT / 'configs/_base_/default_runtime.py'


def test_every_config_is_listed_once_without_the_base_files():
    names = config_names()
    expected = sorted(path.relative_to(REPO_ROOT / 'configs').as_posix()
                      for path in (REPO_ROOT / 'configs' / 'face_2d_keypoint').rglob('*.py'))
    assert names == expected and WFLW in names
    assert not any(name.startswith('_base_') for name in names)


def test_unknown_and_ambiguous_names_say_what_to_do(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r'^td-reg_nothing: no such config file, nor a shipped config '
                                                r'of that name \(mmpose-face configs lists them'):
        find_config('td-reg_nothing')
    with pytest.raises(FileNotFoundError, match='^mmpose_face::face_2d_keypoint/none.py: no such config'):
        find_config('mmpose_face::face_2d_keypoint/none.py')
    for folder in ('a', 'b'):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / 'same.py').write_text('x = 1\n')
    monkeypatch.setattr(installation, 'config_root', lambda: str(tmp_path))
    with pytest.raises(ValueError, match=r'^same: several shipped configs have this name \(a/same.py, b/same.py\); '
                                         r'write it as mmpose_face::a/same.py'):
        find_config('same')


# setuptools' editable install: a finder after Python's own, which maps mmpose_face to a folder
EDITABLE_INSTALL = r'''
import importlib.abc, importlib.util, os.path as osp, sys
PACKAGE = sys.argv[1]
class CloneFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition('.')[0] != 'mmpose_face':
            return None
        base = osp.join(PACKAGE, *name.split('.')[1:])
        if osp.isfile(osp.join(base, '__init__.py')):
            return importlib.util.spec_from_file_location(name, osp.join(base, '__init__.py'),
                                                          submodule_search_locations=[base])
        return importlib.util.spec_from_file_location(name, base + '.py') if osp.isfile(base + '.py') else None
sys.meta_path[:] = [f for f in sys.meta_path  # the test venv's own editable install (a class)
                   if not (f if isinstance(f, type) else type(f)).__module__.startswith('__editable__')]
sys.meta_path.append(CloneFinder())
from mmpose_face.apis import init_model
'''


def test_a_folder_holding_a_clone_named_mmpose_face_is_refused_with_the_fix(tmp_path):
    """Run from the clone's parent, ``import mmpose_face`` takes the clone for a namespace package."""
    (tmp_path / 'mmpose_face').symlink_to(REPO_ROOT, target_is_directory=True)
    env = {key: value for key, value in os.environ.items() if key != 'PYTHONPATH'}
    process = subprocess.run([sys.executable, '-c', EDITABLE_INSTALL, str(REPO_ROOT / 'mmpose_face')],
                             cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert process.returncode != 0
    last = process.stderr.strip().splitlines()[-1]
    assert last.startswith(f'ImportError: mmpose_face was imported as a namespace package from '
                           f'{tmp_path / "mmpose_face"}: that is a folder named like the package')
    assert 'Run from inside the clone (cd mmpose_face) or from any other folder' in last
    # the same import from inside the clone works
    inside = subprocess.run([sys.executable, '-c', EDITABLE_INSTALL, str(REPO_ROOT / 'mmpose_face')],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert inside.returncode == 0, inside.stderr[-2000:]
