"""Where this package and the files it ships live: configs, tools.

An installed wheel carries the repository's ``configs/`` and ``tools/`` in
``mmpose_face/.mim/`` (as mmpose's wheel does; ``setup.py`` copies them at
build time). In a checkout (an editable install or ``PYTHONPATH`` at the
clone) the package reads them from the clone itself, so there is one copy of
each in git and an edit shows at once.

A config is found by:

- a path to an existing file, as given;
- ``mmpose_face::face_2d_keypoint/.../NAME.py``: relative to the shipped
  ``configs/`` folder (mmengine's ``package::`` form);
- ``configs/...``: a path written relative to the repository (the data set
  classes' ``configs/_base_/datasets/wflw.py``), looked up in the shipped
  configs when the current folder has no such file;
- a bare config name, with or without ``.py``
  (``td-reg_res50_softwingloss_8xb64-210e_wflw-256x256``).
"""
import os
import os.path as osp
import sys

PACKAGE_DIR = osp.dirname(osp.abspath(__file__))
SHIPPED_DIR = osp.join(PACKAGE_DIR, '.mim')
CHECKOUT_DIR = osp.dirname(PACKAGE_DIR)
SCOPE_PREFIX = 'mmpose_face::'
_CHECKOUT_MARKERS = ('setup.py', osp.join('configs', '_base_', 'default_runtime.py'))


def is_checkout() -> bool:
    """Whether the package is imported from a clone of the repository (not a wheel)."""
    return all(osp.isfile(osp.join(CHECKOUT_DIR, marker)) for marker in _CHECKOUT_MARKERS)


def shipped_dir(name: str) -> str:
    """The folder ``name`` (``'configs'``, ``'tools'``): the clone's own in a
    checkout, else the copy the wheel ships in ``mmpose_face/.mim/``."""
    return osp.join(CHECKOUT_DIR if is_checkout() else SHIPPED_DIR, name)


def config_root() -> str:
    """The folder holding ``_base_/`` and ``face_2d_keypoint/``."""
    return shipped_dir('configs')


def config_names() -> list:
    """Every shipped config as ``face_2d_keypoint/.../NAME.py`` (``_base_`` files left out), sorted."""
    root = config_root()
    names = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(sub for sub in subfolders if sub != '_base_' and not sub.startswith(('.', '__')))
        relative = osp.relpath(folder, root)
        names += [osp.normpath(osp.join(relative, name)).replace(os.sep, '/') for name in files if name.endswith('.py')]
    return sorted(names)


def find_config(name) -> str:
    """The path of the config (or ``_base_`` file) ``name`` means (see the module docstring).

    Raises:
        FileNotFoundError: nothing of that name, with where it looked.
        ValueError: a bare name that several shipped configs have.
    """
    name = str(name)
    if osp.isfile(name):
        return name
    root = config_root()
    if name.startswith(SCOPE_PREFIX):
        relative = name[len(SCOPE_PREFIX):]
    elif name.replace(os.sep, '/').startswith('configs/'):
        relative = name.replace(os.sep, '/')[len('configs/'):]
    else:
        relative = None
    if relative is not None:
        for candidate in (relative, relative + '.py'):
            if osp.isfile(osp.join(root, candidate)):
                return osp.join(root, candidate)
        raise FileNotFoundError(f'{name}: no such config file here, nor in the shipped configs ({root})')
    stem = osp.basename(name)
    stem = stem[:-3] if stem.endswith('.py') else stem
    matches = [config for config in config_names() if osp.basename(config) == stem + '.py']
    if len(matches) > 1:
        raise ValueError(f'{name}: several shipped configs have this name ({", ".join(matches)}); '
                         f'write it as {SCOPE_PREFIX}{matches[0]}')
    if not matches:
        raise FileNotFoundError(f'{name}: no such config file, nor a shipped config of that name '
                                f'(mmpose-face configs lists them; they are in {root})')
    return osp.join(root, matches[0])


def check_package_is_regular() -> None:
    """Refuse a ``mmpose_face`` that Python imported as a namespace package.

    Run from a folder that holds a clone named ``mmpose_face/`` (the clone's
    parent), Python takes the clone for the package: a folder without
    ``__init__.py``, so the package's own ``__init__`` never runs and its
    modules come in half set up (the demo checkpoint is then refused as
    "may be malicious").

    Raises:
        ImportError: naming the folder and the fix.
    """
    package = sys.modules.get('mmpose_face')
    if package is None or getattr(package, '__file__', None):
        return
    folders = [str(path) for path in getattr(package, '__path__', [])]
    raise ImportError(
        f'mmpose_face was imported as a namespace package from {", ".join(folders) or "?"}: that is a '
        f'folder named like the package (a clone of the repository, no __init__.py), found because Python '
        f'looks in the current folder first. Run from inside the clone (cd mmpose_face) or from any other '
        f'folder, not from the folder that holds the clone.')


check_package_is_regular()
