"""Write import-only stand-ins into the mmpose reference venv (run with its python).

mmpose 1.3.2 imports ``mmdet.utils`` (RTMO head) and ``mmcv.ops`` (DETR-style
heads) whenever ``mmpose.models`` is imported. mmcv-lite ships the Python
files of ``mmcv.ops`` but not the compiled ``mmcv._ext`` they load, and mmdet
is not installed. Top-down regression uses neither, so two stand-ins are
enough to import mmpose:

- ``mmcv/_ext.py``: every attribute is a function that raises.
- ``mmdet/`` (``__init__.py``, ``utils.py``): ``ConfigType`` and friends as
  typing aliases, ``reduce_mean`` raising.

They are written only into this reference venv, marked as stubs, and never
over a real package. Not part of mmpose_face.
"""
import importlib.metadata
import os
import os.path as osp
import sysconfig

MARKER = '# STUB written by mmpose_face benchmarks/mmpose_reference/write_import_stubs.py'

MMCV_EXT = MARKER + '''
"""Import-only stand-in for mmcv's compiled ops (mmcv-lite has none): any call raises."""


def __getattr__(name):
    if name.startswith('__'):
        raise AttributeError(name)

    def missing(*args, **kwargs):
        raise NotImplementedError(
            f'mmcv._ext.{name}: compiled mmcv ops are not available in this '
            'reference environment (mmcv-lite + import stub)')
    return missing
'''

MMDET_INIT = MARKER + '''
"""Import-only stand-in for mmdet (not installed in this reference environment)."""
__version__ = '0.0.0+import-stub'
'''

MMDET_UTILS = MARKER + '''
"""The names mmpose 1.3.2 imports from mmdet.utils; only the typing aliases work."""
from typing import List, Optional, Union

from mmengine.config import ConfigDict

ConfigType = Union[ConfigDict, dict]
OptConfigType = Optional[ConfigType]
MultiConfig = Union[ConfigType, List[ConfigType]]
OptMultiConfig = Optional[MultiConfig]


def reduce_mean(tensor):
    raise NotImplementedError('mmdet.utils.reduce_mean: mmdet is an import stub here')
'''


def is_stub_or_absent(path: str) -> bool:
    if not osp.exists(path):
        return True
    with open(path) as f:
        return f.readline().startswith(MARKER)


def write(path: str, text: str) -> None:
    if not is_stub_or_absent(path):
        raise SystemExit(f'{path}: a real file is there; not replacing it with a stub')
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)
    print(f'wrote import stub {path}')


def main():
    site_packages = sysconfig.get_paths()['purelib']
    write(osp.join(site_packages, 'mmcv', '_ext.py'), MMCV_EXT)
    try:
        importlib.metadata.distribution('mmdet')
        print('a real mmdet is installed; no mmdet stub written')
    except importlib.metadata.PackageNotFoundError:
        write(osp.join(site_packages, 'mmdet', '__init__.py'), MMDET_INIT)
        write(osp.join(site_packages, 'mmdet', 'utils.py'), MMDET_UTILS)


if __name__ == '__main__':
    main()
