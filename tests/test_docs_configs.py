"""Every config the README and docs/ name exists, and a table that pairs configs
with heads names the head each of those configs builds."""
import fnmatch
import re
from functools import lru_cache
from pathlib import Path

import pytest
from mmengine.config import Config

from mmpose_face.apis.model_aliases import model_names
from mmpose_face.installation import config_names

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCS = [REPO_ROOT / 'README.md', *sorted((REPO_ROOT / 'docs').glob('*.md'))]
# a config name or pattern: td-reg_... / ipr_..., possibly after a folder path, possibly with * (no .py)
CONFIG_REFERENCE = re.compile(r'((?:[\w-]+/)*(?:td-reg|ipr)_[\w.*-]*[\w*])')
HEAD = re.compile(r'\b([A-Z]\w*Head)\b')
SHIPPED = {name[:-3]: name for name in config_names()}  # 'face_2d_keypoint/.../NAME' by stem


def references(text: str) -> list:
    """Config names and patterns in ``text``, without ``configs/`` and ``.py``."""
    found = [match[:-3] if match.endswith('.py') else match for match in CONFIG_REFERENCE.findall(text)]
    return [match[len('configs/'):] if match.startswith('configs/') else match for match in found]


def matching(pattern: str) -> list:
    """Shipped configs (paths without .py) a name or ``*`` pattern means."""
    return [path[:-3] for path in SHIPPED.values()
            if fnmatch.fnmatch(path[:-3], pattern if '/' in pattern else '*/' + pattern)
            or fnmatch.fnmatch(path[:-3], '*/' + pattern)]


@lru_cache(maxsize=None)
def head_of(config: str) -> str:
    return Config.fromfile(str(REPO_ROOT / 'configs' / (config + '.py'))).model.head.type


def test_every_config_named_in_the_docs_exists():
    missing = []
    for doc in DOCS:
        for number, line in enumerate(doc.read_text().splitlines(), 1):
            for reference in references(line):
                name = reference.rsplit('/', 1)[-1]
                # mmpose's COCO body configs are cited for comparison; model-zoo names are model aliases
                if '_coco-' in name or name in model_names() or matching(reference):
                    continue
                missing.append(f'{doc.name}:{number}: {reference}')
    assert not missing, missing


def config_head_tables():
    """``(doc, line number, row patterns, row heads)`` of each table row naming both configs and heads."""
    for doc in DOCS:
        for number, line in enumerate(doc.read_text().splitlines(), 1):
            if line.startswith('|'):
                patterns = [ref for ref in references(line) if matching(ref)]
                heads = set(HEAD.findall(line))
                if patterns and heads:
                    yield doc, number, patterns, heads


def test_each_table_names_the_heads_its_configs_build():
    """A config a row's pattern matches belongs to the row of the longest matching pattern
    in its table (``td-reg_res50_rle-*`` before ``td-reg_res50_*``)."""
    rows = list(config_head_tables())
    assert any('ipr_' in pattern for _, _, patterns, _ in rows for pattern in patterns)
    wrong = []
    for doc, number, patterns, heads in rows:
        table = [row for row in rows if row[0] == doc and abs(row[1] - number) < 30]
        for pattern in patterns:
            for config in matching(pattern):
                best = max(((len(p), row) for row in table for p in row[2] if config in matching(p)),
                           key=lambda item: item[0])[1]
                if best[1] == number and head_of(config) not in heads:
                    wrong.append(f'{doc.name}:{number}: {config} builds {head_of(config)}, the row says '
                                 f'{", ".join(sorted(heads))}')
        attributed = {head_of(config) for pattern in patterns for config in matching(pattern)}
        for head in heads - attributed:
            wrong.append(f'{doc.name}:{number}: names {head}, which none of {", ".join(patterns)} builds')
    assert not wrong, wrong
