"""Both training paths on one face and one draw (equivalence tests, fidelity benchmark).

:func:`reference_sample` runs the reference per-sample train pipeline and
gives the parameters it drew as the fast path's :class:`AugmentParameters`;
:func:`fast_sample` runs the fast path (loader and preprocessor) on the same
face with given parameters.
"""
import numpy as np
import torch

from mmpose_face.datasets.transforms import (GenerateTarget, GetBBoxCenterScale, LoadImage,
                                             RandomBBoxTransform, RandomFlip, TopdownAffine)
from .batch_topdown_augmentor import AugmentParameters
from .fast_data_preprocessor import FastPoseDataPreprocessor


def reference_sample(dataset, index: int, seed: int, input_size=(256, 256)):
    """Published augmentation (flip, shift 0.16 @ 0.3, scale 0.75-1.25, rotation 60 @ 0.6)
    of face ``index`` of ``dataset`` with numpy seeded by ``seed``.

    Returns the pipeline's results dict (``img`` (h, w, 3), ``keypoint_labels``,
    ``keypoint_weights`` ...) and the ``AugmentParameters`` (batch of 1) it drew.
    """
    np.random.seed(seed)
    results = GetBBoxCenterScale(1.25)(LoadImage()(dataset.get_data_info(index)))
    box_scale = results['bbox_scale'].copy()
    results = RandomFlip(prob=0.5)(results)
    flipped_center = results['bbox_center'].copy()
    results = RandomBBoxTransform(shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25),
                                  rotate_factor=60, rotate_prob=0.6)(results)
    params = AugmentParameters(
        flip=np.array([results['flip']]),
        shift=((results['bbox_center'] - flipped_center) / box_scale).astype(np.float32),
        scale=(results['bbox_scale'][:, :1] / box_scale[:, :1]).astype(np.float32),
        rotation=np.asarray(results['bbox_rotation'], dtype=np.float32))
    results = TopdownAffine(input_size)(results)
    results = GenerateTarget(dict(type='RegressionLabel', input_size=input_size))(results)
    return results, params


def fast_sample(cached_dataset, index: int, params: AugmentParameters, on_device: bool = True):
    """The fast path on cache row ``index`` of a ``CachedFaceDataset`` under ``params``
    (a batch of one), without normalisation: (h, w, 3) float32 BGR image,
    ``keypoint_labels`` (K, 2), ``keypoint_weights`` (K,). ``on_device``: warp by
    ``grid_sample`` in the preprocessor, else as the loader does (``cv2.warpAffine``)."""
    batch = cached_dataset.augment(np.array([index]), params)
    if on_device:
        batch.pop('inputs', None)
    elif 'inputs' not in batch:
        batch['inputs'] = torch.from_numpy(cached_dataset.augmentor.warp_on_host(
            cached_dataset.cache.crops, [index], batch['warp_matrices'].double().numpy()))
    preprocessor = FastPoseDataPreprocessor()
    preprocessor.bind(cached_dataset.cache, cached_dataset.augmentor)
    packed = preprocessor(batch, training=True)
    labels = packed['data_samples'][0].gt_instance_labels
    return (packed['inputs'][0].permute(1, 2, 0).numpy(), labels.keypoint_labels[0].numpy(),
            labels.keypoint_weights[0].numpy())
