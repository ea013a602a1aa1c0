"""Tests run from the repository root: configs and tests/data are addressed relative to it."""
import os
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
os.chdir(REPO_ROOT)
if os.environ.get('PYTEST_XDIST_WORKER'):
    # `make test` runs one pytest-xdist worker per core: each worker, and the tools it
    # starts, then computes on one thread (two workers of two threads on two cores thrash)
    os.environ['OMP_NUM_THREADS'] = os.environ['MKL_NUM_THREADS'] = '1'

import pytest  # noqa: E402
import torch  # noqa: E402


def pytest_collection_modifyitems(items):
    """The ``long_running`` tests first (a stable sort: the rest keep their order)."""
    items.sort(key=lambda item: item.get_closest_marker('long_running') is None)


@pytest.fixture
def one_thread():
    """In-process training on one torch thread: on 2 shared cores, a second
    thread mostly waits for the first (one run measured 4.3 s vs 19.7 s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
