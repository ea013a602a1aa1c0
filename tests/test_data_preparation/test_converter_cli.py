"""The release converters' shared command line: help, report lines, the one error line."""
import runpy
from pathlib import Path

import pytest

from mmpose_face.data_preparation.converter_cli import converter_parser, run_converter
from mmpose_face.errors import ReleaseFormatError

TOOLS = ('300w2coco', 'aflw2coco', 'cofw2coco', 'lapa2coco', 'coco_wholebody_face_check')


@pytest.mark.parametrize('tool', TOOLS)
def test_each_tool_has_both_folders_and_its_description(tool, capsys):
    path = Path('tools/dataset_converters') / f'{tool}.py'
    main = runpy.run_path(str(path))['main']
    with pytest.raises(SystemExit) as exit_:
        main(['--help'])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert 'release_root' in out and 'out_root' in out
    first_line = path.read_text().split('\n')[0].strip('"')
    assert ''.join(first_line.split()) in ''.join(out.split())  # argparse re-wraps it


def test_run_converter_reports_through_the_given_function(capsys):
    assert run_converter(lambda: {'a': 1, 'b': 2}, lambda result: [f'{len(result)} splits']) == 0
    assert capsys.readouterr().out == '2 splits\n'
    assert run_converter(lambda: {'train': '/x/train.json'}) == 0
    assert capsys.readouterr().out == 'train: /x/train.json\n'


def test_run_converter_prints_one_error_line_for_bad_release_and_missing_files(capsys):
    def bad_release():
        raise ReleaseFormatError('release/a.pts', 3, '67 points, expected 68')

    assert run_converter(bad_release) == 1
    assert capsys.readouterr().err == 'error: release/a.pts:3: 67 points, expected 68\n'

    def missing():
        open('/nonexistent/release/file.mat')

    assert run_converter(missing) == 1
    assert 'error: ' in capsys.readouterr().err


def test_a_bug_in_a_converter_keeps_its_traceback():
    def bug():
        raise KeyError('points')

    with pytest.raises(KeyError):
        run_converter(bug)


def test_parser_has_the_two_positional_folders():
    args = converter_parser('Convert X.\n\nmore', 'root help', 'out help').parse_args(['r', 'o'])
    assert (args.release_root, args.out_root) == ('r', 'o')
