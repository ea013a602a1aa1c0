"""Exact comparison of nested states (dicts, lists and tuples of tensors, arrays and numbers), such as
the random states a checkpoint holds, for the resume tests."""
import numpy as np
import torch


def assert_same(a, b, where='snapshot'):
    """Exact equality of nested dicts/lists/tuples of tensors, arrays and numbers."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, np.ndarray):
        assert np.array_equal(a, b), where
    elif isinstance(a, dict):
        assert set(a) == set(b), f'{where}: keys {sorted(map(str, a))} != {sorted(map(str, b))}'
        for key in a:
            assert_same(a[key], b[key], f'{where}.{key}')
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f'{where}[{i}]')
    else:
        assert a == b, f'{where}: {a!r} != {b!r}'
