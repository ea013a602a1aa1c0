"""The fast path's training set: whole augmented batches from this rank's crop cache.

:class:`CachedFaceDataset` wraps the configured face data set - with its own
``train_pipeline`` - builds (or reopens) this rank's crop cache from it and
answers a :class:`~mmpose_face.fast_path.FaceBatch` (face rows and the
batch's seed, from :class:`~mmpose_face.fast_path.FaceBatchSampler`) with
the batch (an :class:`~mmpose_face.fast_path.AugmentedFaceBatch`): the
augmentation drawn, the warp matrices, the warped keypoints and - when the
warp runs on the host - the warped crops after the pipeline's per-crop
steps, so that loader workers do that work while the model trains. Under ``dist_train.sh`` each
rank caches and draws only its own shard of the faces (faces ``rank, rank +
world, ...``).
"""
import math
import os.path as osp

import numpy as np
import torch
from mmengine.dist import get_dist_info
from torch.utils.data import Dataset

from mmpose_face.registry import DATASETS
from .augmented_face_batch import AugmentedFaceBatch
from .batch_topdown_augmentor import BatchTopdownAugmentor
from .face_crop_cache import CropCacheSettings, FaceCropCache

WARP_PLACES = ('auto', 'host', 'device')


@DATASETS.register_module()
class CachedFaceDataset(Dataset):
    """Wrap a face dataset (e.g. ``WFLWDataset``) and cache its crops once.

    Args:
        dataset: the face dataset or its config; its ``pipeline`` (the
            config's ``train_pipeline``) is the augmentation reproduced
            (:meth:`BatchTopdownAugmentor.from_pipeline`), never run.
        crop_size: the largest cache crop side S, pixels, or ``'lossless'``
            (each face's own lossless side); a face smaller than S is kept
            at source pixels (see :mod:`~mmpose_face.fast_path.face_crop_cache`).
        cache_dir: where caches live; default ``<data_root>/cache`` (or the
            annotation file's folder). One sub-folder per annotation file,
            crop size and shard.
        num_threads: decoding threads for the first build.
        warp: ``'host'``: loader workers warp the crops (``cv2.warpAffine``);
            ``'device'``: the preprocessor warps them on the model's device
            (``grid_sample`` over a copy of the cache there); ``'auto'``:
            device when CUDA is available and the pipeline has no per-crop
            step (``PhotometricDistortion``, ``Albumentation``: they run on
            the host, after the warp), else host.

    Length: ``ceil(N / world_size)`` on every rank (a shorter shard repeats
    its first faces, as ``DefaultSampler`` pads), so all ranks take the same
    number of steps.
    """

    def __init__(self, dataset, crop_size='lossless', cache_dir: str = None, num_threads: int = None,
                 warp: str = 'auto'):
        if warp not in WARP_PLACES:
            raise ValueError(f'CachedFaceDataset: warp must be one of {WARP_PLACES}, got {warp!r}')
        self.dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        ann_file = getattr(self.dataset, 'ann_file', None) or None
        if len(self.dataset) == 0:
            raise ValueError(f'CachedFaceDataset: {ann_file or "the dataset"} has no faces')
        self.augmentor = BatchTopdownAugmentor.from_pipeline(
            self.dataset.pipeline.transforms, source=f'{ann_file or "dataset"}: train pipeline')
        per_crop = [type(step).__name__ for step in self.augmentor.per_crop_steps]
        if warp == 'device' and per_crop:
            raise ValueError(f"CachedFaceDataset: warp='device', but the train pipeline's {per_crop} run on each "
                             "warped crop on the host; use warp='host' or 'auto'")
        self.warp = warp
        self.warp_on_host = warp == 'host' or bool(per_crop) or (warp == 'auto' and not torch.cuda.is_available())
        self.settings = CropCacheSettings(input_size=self.augmentor.input_size, padding=self.augmentor.padding,
                                          crop_size=crop_size, **self.augmentor.jitter_bounds)
        rank, world_size = get_dist_info()
        self.shard = (rank, world_size)
        indices = list(range(rank, len(self.dataset), world_size))
        if not indices:
            raise ValueError(f'CachedFaceDataset: rank {rank} of {world_size} has no faces '
                             f'({len(self.dataset)} in the dataset)')
        self._length = math.ceil(len(self.dataset) / world_size)
        if cache_dir is None:
            data_root = getattr(self.dataset, 'data_root', None)
            cache_dir = osp.join(data_root or osp.dirname(ann_file or '.'), 'cache')
        name = osp.splitext(osp.basename(ann_file or 'faces'))[0]
        size_tag = 'lossless' if crop_size == 'lossless' else f'S{crop_size}'
        self.cache_dir = osp.join(cache_dir, f'{name}_{size_tag}_shard{rank}of{world_size}')
        self.cache = FaceCropCache.build_or_open(self.cache_dir, self._faces(indices), self.settings,
                                                 ann_file=ann_file, shard=self.shard, num_threads=num_threads,
                                                 progress=rank == 0)

    def _faces(self, indices) -> dict:
        """The padded boxes and keypoints of these faces, as the train pipeline's
        box step (``GetBBoxCenterScale``) gives them."""
        infos = [self.augmentor.box(self.dataset.get_data_info(i)) for i in indices]
        return dict(
            dataset_index=np.asarray(indices),
            img_path=[info['img_path'] for info in infos],
            center=np.concatenate([info['bbox_center'] for info in infos]).astype(np.float32),
            box_scale=np.concatenate([info['bbox_scale'] for info in infos]).astype(np.float32),
            keypoints=np.concatenate([info['keypoints'] for info in infos]).astype(np.float32),
            keypoints_visible=np.concatenate([info['keypoints_visible'] for info in infos]).astype(np.float32),
            flip_indices=np.asarray(self.dataset.metainfo['flip_indices']))

    @property
    def pipeline(self):
        """The wrapped data set's train pipeline (a ``Compose``), whose steps the augmentor reproduces."""
        return self.dataset.pipeline

    @pipeline.setter
    def pipeline(self, pipeline) -> None:
        """Train with another pipeline from now on (``mmdet.PipelineSwitchHook``
        sets it): the augmentor is rebuilt from its steps (the loop re-binds it
        to the preprocessor before the next step). The cache stays: the new
        pipeline must keep the input size and box padding, jitter no more
        than the cache covers and, with ``warp='device'``, have no per-crop
        step; else ``ValueError`` says what differs."""
        ann_file = getattr(self.dataset, 'ann_file', None) or 'dataset'
        augmentor = BatchTopdownAugmentor.from_pipeline(pipeline.transforms,
                                                        source=f'{ann_file}: switched train pipeline')
        bounds = augmentor.jitter_bounds
        cached, low, high = self.settings, *bounds.get('scale_range', (1., 1.))
        problems = []
        if augmentor.input_size != cached.input_size or augmentor.padding != cached.padding:
            problems.append(f'input_size {augmentor.input_size} / padding {augmentor.padding} instead of '
                            f'{cached.input_size} / {cached.padding}')
        if bounds.get('max_shift', 0.) > cached.max_shift or bounds.get('max_rotation', 0.) > cached.max_rotation:
            problems.append(f"shift {bounds.get('max_shift', 0.)} / rotation {bounds.get('max_rotation', 0.)} beyond "
                            f'the cached {cached.max_shift} / {cached.max_rotation}')
        if low < cached.scale_range[0] or high > cached.scale_range[1]:
            problems.append(f'scale range {(low, high)} beyond the cached {cached.scale_range}')
        per_crop = [type(step).__name__ for step in augmentor.per_crop_steps]
        if per_crop and self.warp == 'device':
            problems.append(f"warp='device', but its {per_crop} run on each warped crop on the host")
        if problems:
            raise ValueError(f'CachedFaceDataset ({ann_file}): cannot take the switched train pipeline: '
                             f'{"; ".join(problems)}. The crop cache is built for the first pipeline: make that '
                             "the strongest and switch to one within it (and use warp='host' or 'auto' for "
                             'per-crop steps)')
        self.dataset.pipeline = pipeline
        self.augmentor = augmentor
        if per_crop:  # they run on the host, after the loader's warp ('auto' may have chosen the device)
            self.warp_on_host = True

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def full_init(self):
        pass

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, idx: int):
        raise TypeError('CachedFaceDataset yields whole batches: load it with '
                        "batch_sampler=dict(type='FaceBatchSampler') and collate_fn=dict(type='mmpose_face.face_batch_collate')")

    def __getitems__(self, batch) -> AugmentedFaceBatch:
        """A :class:`FaceBatch` -> its :class:`AugmentedFaceBatch` (B faces), all
        drawn from ``RandomState(batch.seed)``: geometry, then the per-crop steps."""
        rows = np.asarray(batch.rows, dtype=np.int64) % len(self.cache)
        random_state = np.random.RandomState(batch.seed)
        return self.augment(rows, self.augmentor.sample(len(rows), random_state), random_state)

    def augment(self, rows: np.ndarray, params, random_state: np.random.RandomState = None) -> AugmentedFaceBatch:
        """The batch of cache ``rows`` (B,) under these ``AugmentParameters``;
        the per-crop steps draw from ``random_state`` (None: numpy's global generator)."""
        faces, augmentor = self.cache.faces, self.augmentor
        image_width = faces['image_shape'][rows, 1]
        image_matrices = augmentor.image_matrices(params, faces['center'][rows], faces['box_scale'][rows], image_width)
        matrices = augmentor.crop_matrices(image_matrices, params.flip, faces['origin'][rows],
                                           faces['pixel_size'][rows], image_width)
        keypoints, visible = augmentor.transform_keypoints(faces['keypoints'][rows], faces['keypoints_visible'][rows],
                                                           image_matrices, params.flip, faces['flip_indices'],
                                                           image_width)
        img_paths = [self.cache.img_paths[row] for row in rows]
        inputs = None
        if self.warp_on_host:
            warped = augmentor.warp_on_host(self.cache, rows, image_matrices, matrices, params.flip)
            warped = augmentor.run_per_crop_steps(warped, params.flip, img_paths, random_state)
            inputs = torch.from_numpy(warped).permute(0, 3, 1, 2)
        return AugmentedFaceBatch(face_index=torch.from_numpy(rows),
                                  warp_matrices=torch.from_numpy(matrices.astype(np.float32)),
                                  keypoints=torch.from_numpy(keypoints), keypoints_visible=torch.from_numpy(visible),
                                  flip=torch.from_numpy(np.asarray(params.flip, dtype=bool)), img_path=img_paths,
                                  inputs=inputs)
