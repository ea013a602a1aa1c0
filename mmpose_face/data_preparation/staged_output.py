"""All-or-nothing output of one conversion: written aside, swapped in when complete.

A converter writes every file (JSON, extracted or copied images, links)
under a hidden folder ``OUT/.conversion-XXXX.partial/``, laid out as in
``OUT``. Only when the whole conversion has succeeded are the files moved
into place, one ``os.replace`` each (same file system: no copy), annotation
files last; a conversion that fails or is interrupted removes its folder and
leaves ``OUT`` as it was. Folders left by a killed conversion are removed by
the next one into the same ``OUT``.

    with staged_output(out_root) as stage:
        stage.write_json('annotations/x.json', document)
        stage.link_directory(release_root / 'images', 'images')
"""
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from mmpose_face.fileio import write_atomically

STAGE_PREFIX = '.conversion-'
STAGE_SUFFIX = '.partial'
# Moved into place after everything else: the files a config reads name the others.
_LAST_SUFFIXES = ('.json',)


class StagedOutput:
    """The files of one conversion into ``out_root``, collected under ``folder``."""

    def __init__(self, out_root: Path, folder: Path):
        self.out_root, self.folder = out_root, folder

    def path(self, relative) -> Path:
        """Where to write ``OUT/relative`` now (its folder exists)."""
        path = self.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def final(self, relative) -> Path:
        """Where ``relative`` will be once the conversion succeeded."""
        return self.out_root / relative

    def write_json(self, relative, document) -> Path:
        """Stage ``document`` as ``OUT/relative``; returns that final path."""
        write_atomically(json.dumps(document).encode('utf-8'), str(self.path(relative)))
        return self.final(relative)

    def link_directory(self, target, relative) -> None:
        """Make ``OUT/relative`` a symlink to the folder ``target`` (kept if it already points there).

        Raises:
            FileExistsError: ``OUT/relative`` exists and is something else.
        """
        target, final = Path(target), self.final(relative)
        if final.is_symlink() or final.exists():
            if final.resolve() == target.resolve():
                return
            raise FileExistsError(f'{final} already exists and is not a link to {target}; remove it first')
        self.path(relative).symlink_to(target.resolve(), target_is_directory=True)

    def _staged_entries(self):
        """(staged path, final path) of every file and link, annotation files last."""
        entries = []
        for folder, dirs, files in os.walk(self.folder):
            links = [name for name in dirs if os.path.islink(os.path.join(folder, name))]
            for name in sorted(files) + links:
                staged = Path(folder) / name
                entries.append((staged, self.out_root / staged.relative_to(self.folder)))
        return sorted(entries, key=lambda entry: entry[0].suffix in _LAST_SUFFIXES)

    def commit(self) -> None:
        """Move every staged entry over its final path (checked first, so none fails half-way for a folder
        in the way)."""
        entries = self._staged_entries()
        for staged, final in entries:
            if final.is_dir() and not final.is_symlink():
                raise FileExistsError(f'{final} is a folder; the conversion would replace it by a file: '
                                      f'remove it first (nothing of this conversion was written)')
        for staged, final in entries:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, final)


def _remove_stale_stages(out_root: Path) -> None:
    for entry in out_root.iterdir():
        if entry.name.startswith(STAGE_PREFIX) and entry.name.endswith(STAGE_SUFFIX) and entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def staged_output(out_root):
    """A :class:`StagedOutput` into ``out_root``, committed when the block ends without an exception.

    Raises:
        NotADirectoryError / FileExistsError: ``out_root`` is a file.
    """
    out_root = Path(out_root)
    created = not out_root.exists()
    if out_root.exists() and not out_root.is_dir():
        raise NotADirectoryError(f'{out_root}: the output folder is a file')
    out_root.mkdir(parents=True, exist_ok=True)
    _remove_stale_stages(out_root)
    folder = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX, suffix=STAGE_SUFFIX, dir=out_root))
    stage = StagedOutput(out_root, folder)
    try:
        yield stage
        stage.commit()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if created and not any(out_root.iterdir()):
            out_root.rmdir()
