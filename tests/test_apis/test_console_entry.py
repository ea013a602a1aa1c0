"""The mmpose-face command: the tools of tools/ by name, and the list of shipped configs."""
import sys
from pathlib import Path

from mmpose_face.apis.console_entry import find_tool, main
from mmpose_face.installation import config_names

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_configs_lists_the_shipped_configs(capsys):
    assert main(['configs']) == 0
    assert capsys.readouterr().out.split() == config_names()


def test_a_tool_runs_with_its_own_arguments(capsys, monkeypatch):
    monkeypatch.setattr(sys, 'argv', ['mmpose-face'])
    assert main(['test', '--help']) == 0  # tools/test.py's own parser
    out = capsys.readouterr().out
    assert 'usage: test.py' in out and '--verbose' in out and '--dump' in out
    assert Path(find_tool('train')) == REPO_ROOT / 'tools' / 'train.py'
    assert Path(find_tool('wflw2coco')) == REPO_ROOT / 'tools' / 'dataset_converters' / 'wflw2coco.py'


def test_no_command_or_an_unknown_one_prints_the_usage(capsys):
    assert main([]) == 2 and 'usage: mmpose-face {train,test,configs,TOOL}' in capsys.readouterr().out
    assert main(['--help']) == 0
    capsys.readouterr()
    assert main(['nothing_like_this']) == 2
    assert capsys.readouterr().err.startswith(f"mmpose-face: no tool named 'nothing_like_this' in {REPO_ROOT / 'tools'}")
    assert main(['../setup']) == 2  # names only, not paths
