"""What a run wrote: the files under its folders that changed since it started.

``tools/test.py`` ends with this list (metrics, per-face dump, error curves,
pictures, log), so that nothing lands somewhere unsaid. A folder with many
new files (the ``--show-dir`` pictures) is one line with their count.
"""
import os
import os.path as osp

MANY_FILES = 5


def files_written_since(start_time: float, places) -> list:
    """Sorted absolute paths of files in ``places`` (files, or folders searched
    recursively) modified at or after ``start_time`` (seconds since the epoch)."""
    found = set()
    for place in filter(None, map(str, places)):
        if osp.isfile(place):
            candidates = [place]
        else:
            candidates = [osp.join(folder, name) for folder, _, names in os.walk(place) for name in names]
        for path in candidates:
            try:
                if os.stat(path).st_mtime >= start_time:
                    found.add(osp.abspath(path))
            except OSError:  # removed meanwhile
                pass
    return sorted(found)


def describe_written_files(paths: list) -> str:
    """``Files written:`` and one line per file, or per folder of more than :data:`MANY_FILES`."""
    if not paths:
        return 'Files written: none'
    by_folder = {}
    for path in paths:
        by_folder.setdefault(osp.dirname(path), []).append(path)
    lines = []
    for folder, files in sorted(by_folder.items()):
        if len(files) > MANY_FILES:
            lines.append(f'  {folder}/ ({len(files)} files, e.g. {osp.basename(files[0])})')
        else:
            lines += [f'  {path}' for path in files]
    return 'Files written:\n' + '\n'.join(lines)
