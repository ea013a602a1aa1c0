"""Both training paths on one face and one draw (the fast path's equivalence tests, its fidelity benchmark).

:func:`reference_sample` runs a data set's own train pipeline on one face,
one step at a time, and gives the parameters it drew as the fast path's
:class:`AugmentParameters`; :func:`fast_sample` runs the fast path (loader
and preprocessor) on the same face with given parameters.
"""
import numpy as np

from mmpose_face.datasets.transforms import batch_stage as stages
from mmpose_face.fast_path import FastPoseDataPreprocessor
from mmpose_face.fast_path.batch_topdown_augmentor import AugmentParameters


def reference_sample(dataset, index: int, seed: int):
    """Face ``index`` of ``dataset`` through its train pipeline up to (not
    including) its packing step, after ``np.random.seed(seed)``.

    Returns the pipeline's results dict (``img`` (h, w, 3) after any
    per-crop steps, ``warped_img`` the crop before them, ``keypoint_labels``,
    ``keypoint_weights`` ...) and the ``AugmentParameters`` (a batch of 1) it drew.
    """
    np.random.seed(seed)
    results = dataset.get_data_info(index)
    shift, scale, rotation = np.zeros((1, 2), np.float32), np.ones((1, 1), np.float32), np.zeros(1, np.float32)
    for step in dataset.pipeline.transforms:
        stage = getattr(step, 'batch_stage', None)
        if stage == stages.PACK:
            break
        results = step(results)
        if stage == stages.BOX:
            box_scale = results['bbox_scale'].copy()
        if stage in (stages.BOX, stages.FLIP):
            center = results['bbox_center'].copy()  # mirrored by the flip step
        if stage == stages.BOX_JITTER:
            shift = ((results['bbox_center'] - center) / box_scale).astype(np.float32)
            scale = (results['bbox_scale'][:, :1] / box_scale[:, :1]).astype(np.float32)
            rotation = np.asarray(results['bbox_rotation'], dtype=np.float32)
        if stage == stages.WARP:
            results['warped_img'] = results['img'].copy()
    params = AugmentParameters(flip=np.array([results.get('flip', False)]), shift=shift, scale=scale,
                               rotation=rotation)
    return results, params


def fast_sample(cached_dataset, index: int, params: AugmentParameters, on_device: bool = True,
                random_state: np.random.RandomState = None):
    """The fast path on cache row ``index`` of a ``CachedFaceDataset`` under ``params``
    (a batch of one), without normalisation: (h, w, 3) float32 BGR image,
    ``keypoint_labels`` (K, 2), ``keypoint_weights`` (K,).

    on_device: warp by ``grid_sample`` in the preprocessor (only for a
    pipeline without per-crop steps), else as the loader does
    (``cv2.warpAffine``, then the per-crop steps drawing from
    ``random_state``, None: numpy's global generator).
    """
    augmentor = cached_dataset.augmentor
    assert not (on_device and augmentor.per_crop_steps), 'per-crop steps run on the host'
    warp_on_host, cached_dataset.warp_on_host = cached_dataset.warp_on_host, not on_device
    try:
        batch = cached_dataset.augment(np.array([index]), params, random_state)
    finally:
        cached_dataset.warp_on_host = warp_on_host
    preprocessor = FastPoseDataPreprocessor()
    preprocessor.bind(cached_dataset.cache, augmentor)
    packed = preprocessor(batch, training=True)
    labels = packed['data_samples'][0].gt_instance_labels
    return (packed['inputs'][0].permute(1, 2, 0).numpy(), labels.keypoint_labels[0].numpy(),
            labels.keypoint_weights[0].numpy())
