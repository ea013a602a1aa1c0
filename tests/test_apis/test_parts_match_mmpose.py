"""Each part, built from the same config dict, behaves as mmpose 1.3.2's namesake.

Runs ``benchmarks/compare_parts_with_mmpose.py`` (this project and mmpose in
``.venv-mmpose`` side by side: outputs, exception types, repr; the table is
in docs/mmpose_compatibility.md). Skipped without the reference environment
(``bash benchmarks/mmpose_reference/setup_env.sh``).
"""

import pytest

from mmpose_reference import needs_mmpose_reference, run_comparison


pytestmark = needs_mmpose_reference


@pytest.fixture(scope='module')
def rows(tmp_path_factory):
    result, _ = run_comparison('compare_parts_with_mmpose.py', tmp_path_factory.mktemp('parts') / 'parts.json',
                               timeout=1200)
    return {row['case']: row for row in result['rows']}


def test_every_part_matches_mmpose_except_the_documented_differences(rows):
    differing = {name: row['result'] for name, row in rows.items() if not row['match'] and not row['known_difference']}
    assert not differing
    assert len(rows) > 60


def test_initial_weights_equal_mmpose_layer_by_layer_for_the_same_seed(rows):
    """Per parameter mean, std and the values themselves, default init_cfg and init_cfg=None."""
    for case in ('ResNet init (default init_cfg)', 'ResNet init_cfg=None', 'ResNet-50 init', 'ResNetV1d init'):
        assert rows[case]['match'] and rows[case]['largest'] == 0.0, rows[case]['result']


def test_exception_types_are_mmpose_types_or_subclasses(rows):
    errors = [row for name, row in rows.items() if 'error' in name]
    assert len(errors) >= 10 and all(row['match'] and row['result'].startswith('both raise') for row in errors)


def test_known_differences_still_differ(rows):
    """A documented difference that went away should leave the list (and the docs)."""
    for name, row in rows.items():
        if row['known_difference']:
            assert not row['match'], f'{name} now matches mmpose: remove it from KNOWN_DIFFERENCES'
