"""The fast path's training set: face indices into this process's crop cache.

Items are tiny (``face_index``, ``cache_dir``); the crops, keypoints and all
augmentation live on the model's device, in
:class:`~mmpose_face.fast_path.FastPoseDataPreprocessor`. Under
``dist_train.sh`` each rank caches and draws only its own shard of the faces
(faces ``rank, rank + world, ...``), so :class:`ShardShuffleSampler`, not
``DefaultSampler``, orders them.
"""
import math
import os.path as osp

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Dataset, Sampler

from mmpose_face.datasets.transforms.bbox_center_scale import GetBBoxCenterScale
from mmpose_face.registry import DATA_SAMPLERS, DATASETS
from .face_crop_cache import CropCacheSettings, FaceCropCache


@DATASETS.register_module()
class CachedFaceDataset(Dataset):
    """Wrap a face dataset (e.g. ``WFLWDataset``) and cache its crops once.

    Args:
        dataset: the face dataset or its config (its pipeline is not used).
        input_size: (w, h) network input, pixels.
        padding: ``GetBBoxCenterScale`` padding of the train pipeline.
        shift_factor, scale_factor, rotate_factor: the strongest
            ``RandomBBoxTransform`` the cache must hold (the preprocessor
            refuses a stronger one).
        crop_size: cache crop side S, pixels, or ``'lossless'`` (see
            :mod:`~mmpose_face.fast_path.face_crop_cache`).
        cache_dir: where caches live; default ``<data_root>/cache`` (or the
            annotation file's folder). One sub-folder per annotation file,
            crop size and shard.
        num_threads: decoding threads for the first build.

    Length: ``ceil(N / world_size)`` on every rank (a shorter shard repeats
    its first faces, as ``DefaultSampler`` pads), so all ranks take the same
    number of steps.
    """

    def __init__(self, dataset, input_size=(256, 256), padding: float = 1.25, shift_factor: float = 0.16,
                 scale_factor=(0.75, 1.25), rotate_factor: float = 60., crop_size='lossless',
                 cache_dir: str = None, num_threads: int = None):
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        if len(self.dataset) == 0:
            raise ValueError(f'CachedFaceDataset: {getattr(self.dataset, "ann_file", "dataset")} has no faces')
        self.settings = CropCacheSettings(input_size=input_size, padding=padding, shift_factor=shift_factor,
                                          scale_factor=scale_factor, rotate_factor=rotate_factor,
                                          crop_size=crop_size)
        rank, world_size = get_dist_info()
        self.shard = (rank, world_size)
        indices = list(range(rank, len(self.dataset), world_size))
        self._length = math.ceil(len(self.dataset) / world_size)
        ann_file = getattr(self.dataset, 'ann_file', None) or None
        if cache_dir is None:
            data_root = getattr(self.dataset, 'data_root', None)
            cache_dir = osp.join(data_root or osp.dirname(ann_file or '.'), 'cache')
        name = osp.splitext(osp.basename(ann_file or 'faces'))[0]
        size_tag = 'lossless' if crop_size == 'lossless' else f'S{crop_size}'
        self.cache_dir = osp.join(cache_dir, f'{name}_{size_tag}_shard{rank}of{world_size}')
        if not indices:
            raise ValueError(f'CachedFaceDataset: rank {rank} of {world_size} has no faces '
                             f'({len(self.dataset)} in the dataset)')
        self.cache = FaceCropCache.build_or_open(self.cache_dir, self._faces(indices), self.settings,
                                                 ann_file=ann_file,
                                                 shard=self.shard, num_threads=num_threads,
                                                 progress=rank == 0)

    def _faces(self, indices) -> dict:
        """The padded boxes and keypoints of these faces, as the train pipeline sees them."""
        box = GetBBoxCenterScale(self.settings.padding)
        infos = [box(self.dataset.get_data_info(i)) for i in indices]
        return dict(
            dataset_index=np.asarray(indices),
            img_path=[info['img_path'] for info in infos],
            center=np.concatenate([info['bbox_center'] for info in infos]).astype(np.float32),
            box_scale=np.concatenate([info['bbox_scale'] for info in infos]).astype(np.float32),
            keypoints=np.concatenate([info['keypoints'] for info in infos]).astype(np.float32),
            keypoints_visible=np.concatenate([info['keypoints_visible'] for info in infos]).astype(np.float32),
            flip_indices=np.asarray(self.dataset.metainfo['flip_indices']))

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def full_init(self):
        pass

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, idx: int) -> dict:
        """``face_index``: row in this rank's cache; ``cache_dir``: the cache."""
        return dict(face_index=idx % len(self.cache), cache_dir=self.cache_dir)


@DATA_SAMPLERS.register_module()
class ShardShuffleSampler(Sampler):
    """Every index of a rank-local dataset once per epoch, reshuffled per epoch.

    Unlike ``DefaultSampler`` it does not split the indices across ranks:
    the dataset already is this rank's shard. The order depends on the seed
    (shared by all ranks, as mmengine syncs it), the rank and the epoch
    (``set_epoch``, called by ``DistSamplerSeedHook``), so a resumed run
    draws the same order.
    """

    def __init__(self, dataset, shuffle: bool = True, seed: int = None):
        self.dataset = dataset
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else seed
        self.rank = get_dist_info()[0]
        self.epoch = 0

    def __iter__(self):
        if not self.shuffle:
            return iter(range(len(self.dataset)))
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch + 1_000_003 * self.rank)
        return iter(torch.randperm(len(self.dataset), generator=generator).tolist())

    def __len__(self) -> int:
        return len(self.dataset)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
