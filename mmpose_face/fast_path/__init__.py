"""The fast path: the published training recipe on one GPU in minutes.

The reference path (a data set item -> ``LoadImage`` -> ``GetBBoxCenterScale``
-> ``RandomFlip`` -> ``RandomBBoxTransform`` -> ``TopdownAffine`` ->
``GenerateTarget`` -> ``PackPoseInputs``, one face at a time in loader
workers) decodes a full photograph for every face of every epoch. The fast
path does the same augmentation with the work moved:

1. :mod:`.face_crop_cache`: each face of the training set is decoded once
   and cropped into a square cache large enough for the strongest
   shift / scale / rotation the pipeline can draw (``FaceCropCache``).
2. :mod:`.cached_face_dataset`: ``CachedFaceDataset`` wraps the configured
   face data set, builds (or reopens) this rank's cache and yields face
   indices; ``ShardShuffleSampler`` orders this rank's shard per epoch.
3. :mod:`.fast_data_preprocessor`: ``FastPoseDataPreprocessor`` draws the
   augmentation for the whole batch on the model's device, warps the cached
   crops (``grid_sample`` on an accelerator, ``cv2.warpAffine`` on the CPU)
   and encodes the targets, then normalises like ``PoseDataPreprocessor``.
4. :mod:`.batch_topdown_augmentor`: the batched flip / shift / scale /
   rotation maths (``BatchTopdownAugmentor``).
5. :mod:`.fast_train_loop`: ``FastEpochBasedTrainLoop`` reads the losses
   back every log interval instead of every step, so the GPU never waits.

Validation and testing use the reference pipeline, unchanged.
:mod:`.reference_sample` runs the reference pipeline on one face and
reports the parameters it drew, so both paths can be compared on one draw.
"""
from .batch_topdown_augmentor import AugmentParameters, BatchTopdownAugmentor
from .cached_face_dataset import CachedFaceDataset
from .face_batch_sampler import FaceBatch, FaceBatchSampler, ShardShuffleSampler, face_batch_collate
from .face_crop_cache import FaceCropCache, FaceCropCacheError
from .fast_data_preprocessor import FastPoseDataPreprocessor
from .fast_train_loop import FastEpochBasedTrainLoop

__all__ = ['AugmentParameters', 'BatchTopdownAugmentor', 'CachedFaceDataset', 'FaceBatch', 'FaceBatchSampler',
           'FaceCropCache', 'FaceCropCacheError', 'FastEpochBasedTrainLoop', 'FastPoseDataPreprocessor',
           'ShardShuffleSampler', 'face_batch_collate']
