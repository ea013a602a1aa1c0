"""CombinedDataset: the sample WFLW file converted to LaPa's 106 points, as mmpose's Face6 configs mix data sets.

Side by side with mmpose 1.3.2 through Face6's train pipeline:
tests/test_datasets/test_recipe_parts_match_mmpose.py (``combined``).
"""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmpose_face.datasets import CombinedDataset
from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.registry import DATASETS

# mmpose's Face6 mapping of WFLW's 98 points to LaPa's 106
MAPPING_WFLW = [(i, i) for i in range(55)] + [(55 + i, 58 + i) for i in range(5)] + \
    [(60 + i, 66 + i) for i in range(8)] + [(68 + i, 75 + i) for i in range(8)] + \
    [(76 + i, 84 + i) for i in range(20)] + [(96, 104), (97, 105)]
WFLW = dict(type='WFLWDataset', data_root='tests/data', ann_file='test_wflw.json', data_prefix=dict(img=''),
            pipeline=[dict(type='KeypointConverter', num_keypoints=106, mapping=MAPPING_WFLW)])
LAPA = dict(from_file='configs/_base_/datasets/lapa.py')  # mmpose's relative path, as the configs write it


@pytest.fixture(autouse=True)
def our_scope():
    init_default_scope('mmpose_face')  # as the runner sets it: the sub-data sets' pipelines name our transforms


def test_items_in_the_combined_layout():
    dataset = DATASETS.build(dict(type='CombinedDataset', metainfo=LAPA, datasets=[WFLW, WFLW], pipeline=[]))
    assert isinstance(dataset, CombinedDataset)
    assert len(dataset) == 8 and dataset.lens == [4, 4]
    lapa = load_dataset_info('configs/_base_/datasets/lapa.py')
    assert dataset.metainfo['num_keypoints'] == 106 and dataset.metainfo['flip_indices'] == lapa['flip_indices']
    item = dataset[5]  # the second face of the second sub-data set
    wflw_item = DATASETS.build(dict(WFLW, pipeline=[]))[1]
    assert item['keypoints'].shape == (1, 106, 2) and item['keypoints_visible'].shape == (1, 106, 2)
    np.testing.assert_allclose(item['keypoints'][0, 58:63], wflw_item['keypoints'][0, 55:60])
    assert not item['keypoints_visible'][0, 55:58, 1].any()  # LaPa points WFLW has not: weight 0
    assert item['flip_indices'] == lapa['flip_indices']  # the combined layout's, not the converter's
    assert item['upper_body_ids'] == [] and item['dataset'] is dataset  # set by prepare_data, as mmpose


def test_sample_ratio_factor_resamples_each_sub_data_set():
    np.random.seed(0)
    dataset = CombinedDataset(metainfo=LAPA, datasets=[WFLW, WFLW], sample_ratio_factor=[2.0, 0.5])
    assert dataset.lens == [8, 2] and len(dataset) == 10
    assert [dataset._get_subset_index(i)[0] for i in (0, 7, 8, 9)] == [0, 0, 1, 1]
    assert all(0 <= dataset._get_subset_index(i)[1] < 4 for i in range(10))
    with pytest.raises(ValueError, match='out of bounds'):
        dataset._get_subset_index(10)
    assert dataset._get_subset_index(-10)[0] == 0


def test_bad_sample_ratio_factor():
    with pytest.raises(AssertionError, match='does not match the length'):
        CombinedDataset(metainfo=LAPA, datasets=[WFLW], sample_ratio_factor=[1., 2.])
    with pytest.raises(AssertionError, match='should not be negative'):
        CombinedDataset(metainfo=LAPA, datasets=[WFLW], sample_ratio_factor=[-1.])
