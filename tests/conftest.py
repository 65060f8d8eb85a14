import os
import os.path as osp

import pytest
import torch

from mmgaf.utils import register_all_modules

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

register_all_modules()


@pytest.fixture(scope='session')
def repo_root() -> str:
    return REPO_ROOT


@pytest.fixture(scope='session')
def shared_data() -> str:
    """``../shared/data`` beside the checkout (or $MMGAF_SHARED_DATA).

    Real published files for checks; tests that use them skip when absent,
    so the suite never depends on them.
    """
    path = os.environ.get('MMGAF_SHARED_DATA',
                          osp.join(REPO_ROOT, '..', 'shared', 'data'))
    if not osp.isdir(path):
        pytest.skip(f'real data folder {path} is absent')
    return osp.abspath(path)


@pytest.fixture
def one_thread():
    """One torch thread for the test: two OpenMP threads on two shared cores
    stall for whole scheduler slices, and one runs small models tens of
    times faster. Use with ``pytestmark = pytest.mark.usefixtures(
    'one_thread')``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
