"""The tiny test model (ResNet-18, 64x64 crops, random weights, seed 0) shared by the inference tests."""
import pytest
import torch

from mmpose_face.apis import init_model

TINY_CONFIG = 'tests/configs/td-reg_res18_tiny_wflw-64x64.py'


@pytest.fixture(scope='module')
def tiny_model():
    """``init_model`` of the tiny config on one torch thread (the test machine's cores are shared)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield init_model(TINY_CONFIG)
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def one_torch_thread():
    """One torch thread for a whole test module (``pytestmark = pytest.mark.usefixtures('one_torch_thread')``):
    the test machine's cores are shared, and more threads only make a 64x64 ResNet-18 slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
