"""Tests mirror the package, as mmpose's do: the test of ``mmpose_face/a/b/c.py`` is
``tests/test_a/test_b/test_c.py``, so the test of a part is found by its path.

Behaviour tests that span parts (resume, equivalence with mmpose, learning, the wheel)
sit beside them under names of their own; this file only asks that every module has
its mirrored test module. Read from the source tree (nothing is imported), so it is
quick and holds for modules added later.
"""
import ast
import os
import os.path as osp
from collections import defaultdict

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PACKAGE = 'mmpose_face'

# Modules without a mirrored test module, each with the reason. Keep it short: a new
# module gets its test module instead of an entry here.
EXEMPT = {
}


def package_modules() -> list:
    """``mmpose_face/...py`` paths of the package's modules (folders with an ``__init__.py``;
    the wheel's ``.mim`` copy of configs and tools is data, not modules)."""
    found = []
    for folder, folders, files in os.walk(osp.join(REPO, PACKAGE)):
        folders[:] = sorted(name for name in folders if osp.isfile(osp.join(folder, name, '__init__.py')))
        found += [osp.relpath(osp.join(folder, name), REPO) for name in sorted(files) if name.endswith('.py')]
    return found


def mirrored_test(module: str) -> str:
    """``mmpose_face/models/heads/rle_head.py`` -> ``tests/test_models/test_heads/test_rle_head.py``."""
    *folders, name = module.split('/')[1:]
    return osp.join('tests', *[f'test_{folder}' for folder in folders], f'test_{name}')


def is_re_export(module: str) -> bool:
    """A module that only re-exports: a docstring, imports, ``__all__`` and other dunder names
    (``__version__``). Its names are tested where they are defined."""
    with open(osp.join(REPO, module)) as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Assign) and all(isinstance(target, ast.Name) and target.id.startswith('__')
                                                for target in node.targets):
            continue
        return False
    return True


def test_the_package_has_modules_to_check():
    modules = package_modules()
    assert 'mmpose_face/models/heads/rle_head.py' in modules and len(modules) > 100
    assert mirrored_test('mmpose_face/models/heads/rle_head.py') == 'tests/test_models/test_heads/test_rle_head.py'
    assert mirrored_test('mmpose_face/errors.py') == 'tests/test_errors.py'


def test_every_module_has_its_mirrored_test_module():
    missing = []
    for module in package_modules():
        if module in EXEMPT:
            continue
        if osp.basename(module) == '__init__.py':
            if not is_re_export(module):
                missing.append(f'{module}: holds code, not only re-exports: move it into a module of its own '
                               f'(and test it there)')
            continue
        if not osp.isfile(osp.join(REPO, mirrored_test(module))):
            missing.append(f'{module}: no {mirrored_test(module)}')
    assert not missing, 'modules without their mirrored test module:\n' + '\n'.join(missing)


def test_the_exemptions_are_modules_with_a_reason():
    modules = set(package_modules())
    for module, reason in EXEMPT.items():
        assert module in modules, f'EXEMPT names {module}, which is not a module of the package (remove it)'
        assert len(reason) > 20, f'EXEMPT: say why {module} has no test module'


def test_test_module_names_are_unique():
    """pytest imports test modules by their file name (``tests/`` has no ``__init__.py``): two
    ``test_x.py`` in different folders would not both be collected."""
    places = defaultdict(list)
    for folder, folders, files in os.walk(osp.join(REPO, 'tests')):
        folders[:] = [name for name in folders if name not in ('data', '__pycache__')]
        for name in files:
            if name.startswith('test_') and name.endswith('.py'):
                places[name].append(osp.relpath(osp.join(folder, name), REPO))
    repeated = {name: paths for name, paths in places.items() if len(paths) > 1}
    assert not repeated, f'test module names used more than once: {repeated}'
