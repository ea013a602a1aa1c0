"""Tests of the all-or-nothing conversion output (``data_preparation/staged_output.py``)."""
import json

import pytest

from mmpose_face.data_preparation.staged_output import STAGE_PREFIX, staged_output


def listing(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob('*'))


def test_files_appear_only_when_the_block_succeeds(tmp_path):
    out = tmp_path / 'out'
    with staged_output(out) as stage:
        written = stage.write_json('annotations/a.json', {'x': 1})
        stage.path('images/1.jpg').write_bytes(b'pixels')
        assert not written.exists() and not (out / 'images').exists()   # nothing in place yet
    assert json.loads(written.read_text()) == {'x': 1}
    assert (out / 'images/1.jpg').read_bytes() == b'pixels'
    assert listing(out) == ['annotations', 'annotations/a.json', 'images', 'images/1.jpg']


def test_a_failed_block_leaves_an_earlier_output_as_it_was(tmp_path):
    out = tmp_path / 'out'
    with staged_output(out) as stage:
        stage.write_json('annotations/a.json', {'first': True})
        stage.path('images/1.jpg').write_bytes(b'first')
    before = {path: path.read_bytes() for path in out.rglob('*') if path.is_file()}
    with pytest.raises(RuntimeError, match='converter failed'):
        with staged_output(out) as stage:
            stage.write_json('annotations/a.json', {'first': False})
            stage.path('images/1.jpg').write_bytes(b'second')
            stage.path('images/2.jpg').write_bytes(b'second')
            raise RuntimeError('converter failed half-way')
    assert {path: path.read_bytes() for path in out.rglob('*') if path.is_file()} == before
    assert not [p for p in out.iterdir() if p.name.startswith(STAGE_PREFIX)]


def test_a_failed_first_conversion_leaves_no_output_folder(tmp_path):
    with pytest.raises(ValueError):
        with staged_output(tmp_path / 'new') as stage:
            stage.write_json('annotations/a.json', {})
            raise ValueError('bad release')
    assert not (tmp_path / 'new').exists()


def test_a_killed_conversion_s_folder_is_removed_by_the_next(tmp_path):
    stale = tmp_path / 'out' / f'{STAGE_PREFIX}abcd.partial'
    (stale / 'images').mkdir(parents=True)
    with staged_output(tmp_path / 'out') as stage:
        stage.write_json('a.json', {})
    assert not stale.exists()


def test_links_are_staged_and_a_foreign_folder_is_refused(tmp_path):
    images = tmp_path / 'release/images'
    images.mkdir(parents=True)
    with staged_output(tmp_path / 'out') as stage:
        stage.link_directory(images, 'images')
    assert (tmp_path / 'out/images').resolve() == images.resolve()
    with staged_output(tmp_path / 'out') as stage:    # already the right link: kept
        stage.link_directory(images, 'images')
    (tmp_path / 'other').mkdir()
    with pytest.raises(FileExistsError, match='is not a link to'):
        with staged_output(tmp_path / 'out') as stage:
            stage.link_directory(tmp_path / 'other', 'images')


def test_an_output_that_is_a_file_is_refused(tmp_path):
    (tmp_path / 'out').write_text('not a folder')
    with pytest.raises(NotADirectoryError, match='is a file'):
        with staged_output(tmp_path / 'out'):
            pass
