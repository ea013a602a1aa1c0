"""The command line the release converters of ``tools/dataset_converters/`` share.

Each tool is ``TOOL RELEASE_ROOT OUT_ROOT [options]``: a release that does not
parse ends in one ``error:`` line naming the file and the item (exit 1),
with nothing written; otherwise one line per file written.
"""
import argparse
import sys
from typing import Callable, Iterable

from mmpose_face.errors import ReleaseFormatError


def converter_parser(doc: str, root_help: str, out_help: str) -> argparse.ArgumentParser:
    """A parser with the two positional folders; ``doc``'s first line describes the tool."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument('release_root', help=root_help)
    parser.add_argument('out_root', help=out_help)
    return parser


def written_files(written: dict) -> Iterable[str]:
    """``{name: path}`` as the converters return it -> one line each."""
    return (f'{name}: {path}' for name, path in written.items())


def run_converter(convert: Callable[[], object],
                  report: Callable[[object], Iterable[str]] = written_files) -> int:
    """Run ``convert()``; print its result through ``report``, or the error. Returns the exit code."""
    try:
        result = convert()
    except (ReleaseFormatError, OSError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    for line in report(result):
        print(line)
    return 0
