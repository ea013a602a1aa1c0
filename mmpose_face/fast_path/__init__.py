"""The fast path: the published training recipe on one GPU in minutes.

The reference path (a data set item -> ``LoadImage`` -> ``GetBBoxCenterScale``
-> ``RandomFlip`` -> ``RandomBBoxTransform`` -> ``TopdownAffine`` ->
``GenerateTarget`` -> ``PackPoseInputs``, one face at a time in loader
workers) decodes a full photograph for every face of every epoch. The fast
path does the same augmentation, with the same maths, on whole batches of
faces decoded once. A fast-path config differs from its published config
only in the loader, the loop, the precision and the batch
(:func:`to_fast_path_config` does that to any config). The route of one
training step:

1. :mod:`.face_crop_cache`: each face of this rank's shard is decoded once
   and cropped large enough for the strongest shift / scale / rotation the
   train pipeline can draw, at its own resolution: at source pixels, or
   downsampled to the lossless side, never upsampled (``FaceCropCache``, one
   flat memory map of ragged crops, rebuilt when the data or the settings
   change).
2. :mod:`.cached_face_dataset`: ``CachedFaceDataset`` wraps the configured
   training set, reads its own ``train_pipeline`` into a
   ``BatchTopdownAugmentor`` (each step by the ``batch_stage`` it declares,
   :mod:`mmpose_face.datasets.transforms.batch_stage`; refusing, by name, a
   step that declares none), builds or reopens the cache (its margins from
   the jitter step's ``jitter_bounds()``) and answers a batch request with
   an :class:`~.augmented_face_batch.AugmentedFaceBatch`.
3. :mod:`.face_batch_sampler`: ``ShardShuffleSampler`` orders the shard per
   epoch; ``FaceBatchSampler`` makes the requests (``FaceBatch``: cache rows
   and a seed from (seed, rank, epoch, batch number), so a resumed run draws
   what an uninterrupted one draws); ``face_batch_collate`` passes the
   batch through.
4. :mod:`.batch_topdown_augmentor`, in the loader workers: the draws
   (``RandomFlip.sample_batch``, ``RandomBBoxTransform.sample_parameters``:
   what those steps draw per face), the warp matrices (``get_warp_matrix``,
   ``TopdownAffine``'s, in cache pixels), the warped keypoints with the
   flip pairs swapped and, on the CPU or when the pipeline has per-crop
   steps, the warped crops (``cv2.warpAffine``) and then the per-crop steps
   (``PhotometricDistortion``, ``Albumentation``) on each, so this work
   overlaps the training step.
5. :mod:`.fast_data_preprocessor`, on the model's device:
   ``FastPoseDataPreprocessor`` warps the crops where the loader did not
   (``grid_sample`` over a copy of the cache on the GPU), normalises like
   ``PoseDataPreprocessor``, encodes the targets with the configured codec's
   ``encode_batch`` and packs one ``PoseDataSample`` per face where
   ``PackPoseInputs`` packs them, so any head trains unchanged.
6. :mod:`.fast_train_loop`: ``FastEpochBasedTrainLoop`` binds the training
   set's cache and augmentor to that preprocessor and reads the losses back
   every log interval instead of every step (its deferred NaN check
   replaces the model's per-step one, switched off by
   ``model.train_cfg.check_finite_loss_every_step=False``), so the GPU never waits.

Validation and testing use the reference pipeline, unchanged.
``tests/test_fast_path/reference_sample.py`` runs both paths on one face
and one draw.
"""
from .augmented_face_batch import AugmentedFaceBatch
from .batch_topdown_augmentor import AugmentParameters, BatchTopdownAugmentor
from .cached_face_dataset import CachedFaceDataset
from .face_batch_sampler import FaceBatch, FaceBatchSampler, ShardShuffleSampler, face_batch_collate
from .face_crop_cache import FaceCropCache, FaceCropCacheError
from .fast_data_preprocessor import FastPoseDataPreprocessor
from .fast_path_config import to_fast_path_config
from .fast_train_loop import FastEpochBasedTrainLoop

__all__ = ['AugmentParameters', 'AugmentedFaceBatch', 'BatchTopdownAugmentor', 'CachedFaceDataset', 'FaceBatch', 'FaceBatchSampler',
           'FaceCropCache', 'FaceCropCacheError', 'FastEpochBasedTrainLoop', 'FastPoseDataPreprocessor',
           'ShardShuffleSampler', 'face_batch_collate', 'to_fast_path_config']
