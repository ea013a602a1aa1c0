"""mmpose's ``CombinedDataset``: several data sets, one layout, one pipeline.

Each sub-data set runs its own pipeline first (in mmpose's Face6 configs: a
``KeypointConverter`` to LaPa's 106 points); the combined data set then adds
the combined description's flip and body-part facts and runs the shared
pipeline. Items are numbered sub-data set after sub-data set.
"""
import copy
from typing import Callable, List, Optional, Tuple, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mmpose_face.registry import DATASETS
from .dataset_info import load_dataset_info, parse_dataset_info

# what every item gets from the combined description, after its sub-data set's pipeline (as mmpose)
COMBINED_METAINFO_KEYS = ('upper_body_ids', 'lower_body_ids', 'flip_pairs', 'dataset_keypoint_weights',
                          'flip_indices')


@DATASETS.register_module()
class CombinedDataset(BaseDataset):
    """Concatenate ``datasets`` (configs) under the description ``metainfo``.

    Args (mmpose 1.3.2's):
        metainfo: the combined layout: ``dict(from_file='configs/_base_/datasets/lapa.py')``
            or a ``dataset_info`` dict.
        datasets: configs of the sub-data sets, built from the dataset registry.
        pipeline: the steps every item goes through after its sub-data set's own.
        sample_ratio_factor: (len(datasets),) non-negative factors; sub-data set i
            then counts ``round(len_i * factor_i)`` items, drawn evenly over it with
            a random offset from numpy's global generator (as mmpose).
        **kwargs: :class:`mmengine.dataset.BaseDataset`'s (``test_mode``, ``max_refetch`` ...).
    """

    def __init__(self, metainfo: dict, datasets: list, pipeline: List[Union[dict, Callable]] = [],
                 sample_ratio_factor: Optional[List[float]] = None, **kwargs):
        self.datasets = [DATASETS.build(cfg) for cfg in datasets]
        self.resample = sample_ratio_factor is not None
        self._lens = [len(dataset) for dataset in self.datasets]
        if self.resample:
            assert len(sample_ratio_factor) == len(datasets), (
                f'the length of `sample_ratio_factor` {len(sample_ratio_factor)} does not match the length of '
                f'`datasets` {len(datasets)}')
            assert min(sample_ratio_factor) >= 0.0, \
                'the ratio values in `sample_ratio_factor` should not be negative.'
            self._lens_ori = self._lens
            self._lens = [round(length * factor) for length, factor in zip(self._lens_ori, sample_ratio_factor)]
        self._len = sum(self._lens)
        super().__init__(pipeline=pipeline, **kwargs)
        self._metainfo = self._parse_combined_metainfo(metainfo)

    @staticmethod
    def _parse_combined_metainfo(metainfo: dict) -> dict:
        if not isinstance(metainfo, dict):
            raise TypeError(f'CombinedDataset: metainfo should be a dict, but got {type(metainfo)}')
        if 'from_file' in metainfo:
            return load_dataset_info(metainfo['from_file'])
        return parse_dataset_info(metainfo)

    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(self._metainfo)

    @property
    def lens(self) -> list:
        """Items counted in each sub-data set (after ``sample_ratio_factor``)."""
        return copy.deepcopy(self._lens)

    def __len__(self) -> int:
        return self._len

    def _get_subset_index(self, index: int) -> Tuple[int, int]:
        """Global index -> (sub-data set index, index within it)."""
        if index >= len(self) or index < -len(self):
            raise ValueError(f'index({index}) is out of bounds for dataset with length({len(self)}).')
        if index < 0:
            index += len(self)
        subset = 0
        while index >= self._lens[subset]:
            index -= self._lens[subset]
            subset += 1
        if self.resample:
            gap = (self._lens_ori[subset] - 1e-4) / self._lens[subset]
            index = round(gap * index + np.random.rand() * gap - 0.5)
        return subset, index

    def prepare_data(self, idx: int):
        data_info = self.get_data_info(idx)
        # set here, not in get_data_info (mmpose: a mixing augmentation would otherwise hang)
        data_info['dataset'] = self
        return self.pipeline(data_info)

    def get_data_info(self, idx: int) -> dict:
        """The item after its sub-data set's pipeline, with the combined description's keys."""
        subset, sample = self._get_subset_index(idx)
        data_info = self.datasets[subset][sample]
        data_info.pop('dataset', None)
        for key in COMBINED_METAINFO_KEYS:
            data_info[key] = copy.deepcopy(self._metainfo[key])
        return data_info

    def full_init(self):
        """Fully initialise every sub-data set."""
        if self._fully_initialized:
            return
        for dataset in self.datasets:
            dataset.full_init()
        self._fully_initialized = True
