"""The four real WFLW faces of ``tests/data/test_wflw.json``, shared by the data-pipeline tests."""
from pathlib import Path

import numpy as np

import pytest

from mmpose_face.datasets import WFLWDataset
from mmpose_face.datasets.transforms import LoadImage

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / 'tests' / 'data'
ANN_FILE = DATA_DIR / 'test_wflw.json'
CODEC = dict(type='RegressionLabel', input_size=(64, 64))


@pytest.fixture(scope='module')
def dataset():
    """The 4 real faces, no pipeline: items are the annotation dicts."""
    return WFLWDataset(ann_file=str(ANN_FILE), data_prefix=dict(img=str(DATA_DIR)), pipeline=[],
                       test_mode=True)


def loaded_face(dataset, index):
    return LoadImage()(dataset.get_data_info(index))


@pytest.fixture(scope='module')
def face():
    """The first real face, its photograph loaded (no other step)."""
    dataset = WFLWDataset(ann_file=str(ANN_FILE), data_prefix=dict(img=str(DATA_DIR)), pipeline=[],
                          test_mode=True)
    return LoadImage()(dataset.get_data_info(0))


def copy_of(results):
    """A results dict whose arrays a transform may change in place without touching ``results``."""
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in results.items()}
