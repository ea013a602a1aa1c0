"""What a run wrote: files changed since it started, under files or folders, and the summary that
lists them, one line per file or per folder of many files."""
import os
import time

from mmpose_face.apis.written_files import MANY_FILES, describe_written_files, files_written_since


def test_only_files_changed_since_the_start_are_found(tmp_path):
    old = tmp_path / 'run' / 'old.json'
    old.parent.mkdir()
    old.write_text('{}')
    os.utime(old, (1000, 1000))
    start = time.time() - 1
    new = tmp_path / 'run' / 'deep' / 'metrics.json'
    new.parent.mkdir()
    new.write_text('{}')
    single = tmp_path / 'dump.pkl'
    single.write_bytes(b'x')
    found = files_written_since(start, [tmp_path / 'run', single, None, tmp_path / 'missing'])
    assert found == sorted([str(new), str(single)])


def test_many_files_of_one_folder_are_one_line(tmp_path):
    pictures = [str(tmp_path / 'vis' / f'{i}.jpg') for i in range(MANY_FILES + 1)]
    text = describe_written_files([str(tmp_path / 'metrics.json')] + pictures)
    assert text.splitlines() == ['Files written:', f'  {tmp_path}/metrics.json',
                                 f'  {tmp_path}/vis/ ({MANY_FILES + 1} files, e.g. 0.jpg)']
    assert describe_written_files([]) == 'Files written: none'
