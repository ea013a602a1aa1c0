"""RTMPose configs' ``mmdet`` scope without mmdet, quietly, and with a real mmdet beside us.

- Without mmdet, :mod:`mmpose_face.registry` provides the scope: both
  ``type='mmdet.CSPNeXt'`` and ``dict(_scope_='mmdet', type='CSPNeXt')`` build
  our CSPNeXt under ``default_scope='mmpose_face'``, and inside the entry
  points' fixes (:mod:`mmpose_face.compat`, fix 4) mmengine does not log
  "mmdet is not installed" for a scope whose registries are there.
- With a real mmdet installed, the scope is mmdet's: our registries stay out
  of the tree (no AssertionError when mmdet's registry is imported, in either
  order) and ``mmdet.CSPNeXt`` builds mmdet's class.

Builds run in fresh interpreters: mmengine's logger drops a warning it has
already shown once, so a warning from an earlier test would hide one here.
"""
import os
import os.path as osp
import subprocess
import sys
import textwrap

import pytest

from mmpose_face import registry

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
REFERENCE_PYTHON = osp.join(REPO, '.venv-mmpose', 'bin', 'python')

BUILD_BOTH_WAYS = textwrap.dedent('''
    import sys
    from mmengine.registry import init_default_scope
    from mmpose_face import compat
    from mmpose_face.registry import MODELS
    init_default_scope('mmpose_face')
    cfg = dict(deepen_factor=0.167, widen_factor=0.375, out_indices=(4,), init_cfg=None)
    def build():
        scoped = MODELS.build(dict(_scope_='mmdet', type='CSPNeXt', **cfg))
        prefixed = MODELS.build(dict(type='mmdet.CSPNeXt', **cfg))
        print('built', type(scoped).__module__, type(prefixed).__module__)
    if sys.argv[1] == 'fixes':
        with compat.mmengine_fixes():
            build()
    else:
        build()
''')


def run(python: str, script: str, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([python, '-c', script, *args], capture_output=True, text=True, cwd=REPO,
                            env=dict(os.environ, PYTHONPATH=REPO), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_both_spellings_of_the_mmdet_scope_build_ours_without_a_warning_inside_the_fixes():
    result = run(sys.executable, BUILD_BOTH_WAYS, 'fixes')
    output = result.stdout + result.stderr
    assert 'built mmpose_face.models.backbones.cspnext mmpose_face.models.backbones.cspnext' in output
    assert 'WARNING' not in output and 'not installed' not in output, output


def test_without_the_fixes_mmengine_warns_that_mmdet_is_not_installed_but_builds_ours():
    """What fix 4 removes: mmengine's import of mmdet.registry for a scope it already has."""
    result = run(sys.executable, BUILD_BOTH_WAYS, 'plain')
    output = result.stdout + result.stderr
    assert 'built mmpose_face.models.backbones.cspnext mmpose_face.models.backbones.cspnext' in output
    assert 'mmdet is not installed and its modules will not be registered' in output


def test_the_fix_leaves_scopes_without_registries_to_mmengine():
    """A scope nobody provides still gets mmengine's own warning and fallback."""
    script = textwrap.dedent('''
        from mmengine.registry import init_default_scope
        from mmpose_face import compat
        from mmpose_face.registry import MODELS
        init_default_scope('mmpose_face')
        with compat.mmengine_fixes():
            with MODELS.switch_scope_and_registry('nowhere_scope') as found:
                print('fallback', found is MODELS)
    ''')
    output = run(sys.executable, script).stdout
    assert 'fallback True' in output


def test_without_mmdet_our_mmdet_registries_are_children_of_mmengines():
    from mmengine import registry as mmengine_registry
    assert not registry.real_mmdet_installed()
    for ours, root in ((registry.MMDET_MODELS, mmengine_registry.MODELS),
                       (registry.MMDET_TRANSFORMS, mmengine_registry.TRANSFORMS),
                       (registry.MMDET_HOOKS, mmengine_registry.HOOKS)):
        assert ours.scope == 'mmdet' and ours.parent is root and root.children['mmdet'] is ours
    assert registry.MMDET_MODELS.get('CSPNeXt').__module__ == 'mmpose_face.models.backbones.cspnext'


def test_an_mmdet_is_installed_only_with_its_registry_module(tmp_path, monkeypatch):
    """Found on the path without being imported: a stub package (no registry.py) is no mmdet."""
    package = tmp_path / 'mmdet'
    package.mkdir()
    (package / '__init__.py').write_text('raise RuntimeError("imported")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    assert not registry.real_mmdet_installed()
    (package / 'registry.py').write_text('')
    assert registry.real_mmdet_installed()
    assert 'mmdet' not in sys.modules


def real_mmdet_in_reference_env() -> bool:
    return bool(__import__('glob').glob(osp.join(REPO, '.venv-mmpose', 'lib', 'python*', 'site-packages',
                                                 'mmdet', 'registry.py')))


@pytest.mark.skipif(not real_mmdet_in_reference_env(),
                    reason='no real mmdet in .venv-mmpose (bash benchmarks/mmpose_reference/setup_env.sh)')
@pytest.mark.parametrize('first', ['mmpose_face', 'mmdet'])
def test_with_a_real_mmdet_the_scope_is_mmdets_in_either_import_order(first):
    script = textwrap.dedent(f'''
        if {first!r} == 'mmdet':
            import mmdet.registry
        from mmpose_face import registry
        import mmdet.registry  # no "scope mmdet exists" AssertionError
        from mmengine.registry import MODELS as ROOT
        assert registry.real_mmdet_installed()
        assert registry.MMDET_MODELS.parent is None and ROOT.children['mmdet'] is mmdet.registry.MODELS
    ''') + BUILD_BOTH_WAYS
    output = run(REFERENCE_PYTHON, script, 'fixes').stdout
    assert 'built mmdet.models.backbones.cspnext mmdet.models.backbones.cspnext' in output
