"""The order of the fast path's faces and the seed of each batch's augmentation.

:class:`ShardShuffleSampler` orders this rank's shard of the faces per
epoch; :class:`FaceBatchSampler` groups them into :class:`FaceBatch` es,
each with the seed its augmentation is drawn from: a function of (seed,
rank, epoch, batch number) only, so a resumed run draws exactly what an
uninterrupted one draws, whatever the number of loader workers.
"""
from dataclasses import dataclass

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmpose_face.registry import DATA_SAMPLERS, FUNCTIONS


@dataclass(frozen=True)
class FaceBatch:
    """Rows of the crop cache (``rows``) and the seed of their augmentation."""
    rows: tuple
    seed: int


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


@DATA_SAMPLERS.register_module()
class FaceBatchSampler(Sampler):
    """Batches of ``batch_size`` indices of ``sampler`` (a :class:`ShardShuffleSampler`),
    as :class:`FaceBatch` es seeded by (``sampler.seed``, rank, epoch, batch number).

    Args:
        sampler: gives the indices and ``seed``, ``rank``, ``epoch``.
        batch_size: faces per batch (the config's ``train_dataloader.batch_size``).
        drop_last: drop a last, smaller batch.
    """

    def __init__(self, sampler: ShardShuffleSampler, batch_size: int, drop_last: bool = False):
        self.sampler, self.batch_size, self.drop_last = sampler, int(batch_size), drop_last

    def batch_seed(self, epoch: int, number: int) -> int:
        words = [self.sampler.seed % 2**32, self.sampler.rank, epoch, number]
        return int(np.random.SeedSequence(words).generate_state(1)[0])

    def __iter__(self):
        epoch, rows, number = self.sampler.epoch, [], 0
        for index in self.sampler:
            rows.append(index)
            if len(rows) == self.batch_size:
                yield FaceBatch(tuple(rows), self.batch_seed(epoch, number))
                rows, number = [], number + 1
        if rows and not self.drop_last:
            yield FaceBatch(tuple(rows), self.batch_seed(epoch, number))

    def __len__(self) -> int:
        full, rest = divmod(len(self.sampler), self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)


@FUNCTIONS.register_module()
def face_batch_collate(batch):
    """The loader's collate step for :class:`CachedFaceDataset`: its batches
    (:class:`~mmpose_face.fast_path.AugmentedFaceBatch`) come whole."""
    return batch
