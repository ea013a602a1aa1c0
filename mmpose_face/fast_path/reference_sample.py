"""The reference per-sample train pipeline on one face, with the parameters it drew
expressed as the fast path's :class:`AugmentParameters`, so that the two paths
can be compared on the same draw (equivalence tests, fidelity benchmark)."""
import numpy as np

from mmpose_face.datasets.transforms import (GenerateTarget, GetBBoxCenterScale, LoadImage,
                                             RandomBBoxTransform, RandomFlip, TopdownAffine)
from .batch_topdown_augmentor import AugmentParameters


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
