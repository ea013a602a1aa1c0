"""The fast path trains an RTMPose config: photometric steps per crop, SimCC targets by encode_batch.

tests/configs/rtmpose-t_tiny_wflw-64x64.py is mmpose's RTMPose WFLW recipe made
tiny; its fast-path twin comes from ``to_fast_path_config``. For one draw,
the fast path's batch (crop after ``mmdet.YOLOXHSVRandomAug`` and
``PhotometricDistortion`` - and the recipe's ``Albumentation`` step where
albumentations is installed -, SimCC x / y labels and weights) is the
reference pipeline's: pixel for pixel at 256x256, where the 4 test faces are
cached at source pixels, within the two warps' difference at 64x64. The tiny
model then trains on the fast path through ``mmdet.PipelineSwitchHook``'s
switch (the loop re-binds the switched augmentor) with the EMA hook.
"""
import os.path as osp

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmpose_face.datasets import WFLWDataset
from mmpose_face.fast_path import CachedFaceDataset, FastPoseDataPreprocessor, to_fast_path_config
from reference_sample import reference_sample
from test_batch_topdown_augmentor import within_the_warps_difference
from fast_path_samples import DATA, REPO

TINY_RTMPOSE = osp.join(REPO, 'tests', 'configs', 'rtmpose-t_tiny_wflw-64x64.py')
#: the RTMPose WFLW config's Albumentation step (albumentations 1.4 arguments, as mmpose writes them)
RTMPOSE_ALBUMENTATION = dict(type='Albumentation', transforms=[
    dict(type='Blur', p=0.1), dict(type='MedianBlur', p=0.1),
    dict(type='CoarseDropout', max_holes=1, max_height=0.4, max_width=0.4, min_holes=1, min_height=0.2,
         min_width=0.2, p=1.0)])
SIMCC_KEYS = ('keypoint_x_labels', 'keypoint_y_labels', 'keypoint_weights')


def rtmpose_pipeline(size: int, albumentation: bool = False) -> list:
    """The tiny RTMPose config's train pipeline at size x size (SimCC sigma scaled alike)."""
    cfg = Config.fromfile(TINY_RTMPOSE)
    codec = dict(cfg.codec, input_size=(size, size), sigma=(5.66 * size / 256, ) * 2)
    pipeline = cfg.train_pipeline
    for step in pipeline:
        if step['type'] == 'TopdownAffine':
            step['input_size'] = (size, size)
        if step['type'] == 'GenerateTarget':
            step['encoder'] = codec
    if albumentation:  # last of the per-crop steps, so that its holes stay black
        target = next(i for i, step in enumerate(pipeline) if step['type'] == 'GenerateTarget')
        pipeline.insert(target, dict(RTMPOSE_ALBUMENTATION))
    return pipeline


def cached_rtmpose_faces(tmp_path, size, albumentation=False) -> CachedFaceDataset:
    init_default_scope('mmpose_face')
    dataset = WFLWDataset(ann_file='test_wflw.json', data_root=DATA, data_prefix=dict(img=''),
                          pipeline=rtmpose_pipeline(size, albumentation))
    return CachedFaceDataset(dataset, cache_dir=str(tmp_path), num_threads=1, warp='host')


def fast_simcc_sample(cached, index, seed):
    """The fast path on cache row ``index`` drawn from RandomState(seed), as ``__getitems__``
    draws a batch of one: (h, w, 3) float32 BGR crop and the SimCC targets of that face."""
    random_state = np.random.RandomState(seed)
    params = cached.augmentor.sample(1, random_state)
    batch = cached.augment(np.array([index]), params, random_state)
    preprocessor = FastPoseDataPreprocessor()
    preprocessor.bind(cached.cache, cached.augmentor)
    packed = preprocessor(batch, training=True)
    labels = packed['data_samples'][0].gt_instance_labels
    return (packed['inputs'][0].permute(1, 2, 0).numpy(), {key: labels[key][0].numpy() for key in SIMCC_KEYS},
            params)


def test_rtmpose_pipeline_maps_to_the_fast_paths_stages(tmp_path):
    cached = cached_rtmpose_faces(tmp_path, 64)
    augmentor = cached.augmentor
    assert [type(step).__name__ for step in augmentor.per_crop_steps] == ['YOLOXHSVRandomAug', 'PhotometricDistortion']
    assert cached.warp_on_host  # the photometric steps run on each warped crop, on the host
    assert type(augmentor.codec).__name__ == 'SimCCLabel' and hasattr(augmentor.codec, 'encode_batch')
    # the cache covers RTMPose's strong jitter (shift 0.16 by default, scale 0.6-1.4, 80 degrees)
    assert augmentor.jitter_bounds == dict(max_shift=0.16, scale_range=(0.6, 1.4), max_rotation=80.)


def test_at_source_pixels_the_rtmpose_batch_is_the_reference_pipelines_bit_for_bit(tmp_path):
    cached = cached_rtmpose_faces(tmp_path, 256)
    assert (cached.cache.faces['pixel_size'] == 1).all()
    flips = distorted = 0
    for seed in range(8):
        reference, drawn = reference_sample(cached.dataset, seed % 4, seed)
        image, targets, params = fast_simcc_sample(cached, seed % 4, seed)
        np.testing.assert_array_equal(params.flip, drawn.flip)
        np.testing.assert_array_equal(image, reference['img'])  # warp + HSV + distortion: the same pixels
        for key in SIMCC_KEYS:
            np.testing.assert_allclose(targets[key], reference[key][0], atol=1e-6, err_msg=key)
        assert reference['keypoint_x_labels'].shape == (1, 98, 512)  # 256 px x split ratio 2
        flips += int(params.flip[0])
        distorted += int(not np.array_equal(reference['img'], reference['warped_img']))
    assert 0 < flips < 8 and distorted >= 4
    other, _, _ = fast_simcc_sample(cached, 0, 100)
    assert np.abs(other - reference_sample(cached.dataset, 0, 0)[0]['img']).mean() > 5  # another draw differs


@pytest.mark.parametrize('albumentation', [False, True], ids=['hsv_distortion', 'with_albumentation'])
def test_downsampled_rtmpose_crops_match_the_reference_within_the_warps_difference(tmp_path, albumentation):
    if albumentation:
        pytest.importorskip('albumentations')
    cached = cached_rtmpose_faces(tmp_path, 64, albumentation)
    # RTMPose's 0.6 zoom needs 2 of the 4 faces cached downsampled at 64 px, the others at source pixels
    assert (cached.cache.faces['pixel_size'] > 1).sum() == 2
    album = next((step for step in cached.augmentor.per_crop_steps if type(step).__name__ == 'Albumentation'), None)
    assert (album is not None) == albumentation
    close, dropped = [], 0
    for seed in range(8):
        if album is not None:  # albumentations draws from its own generators
            album.aug.set_random_seed(seed)
        reference, _ = reference_sample(cached.dataset, seed % 4, seed)
        if album is not None:
            album.aug.set_random_seed(seed)
        image, targets, params = fast_simcc_sample(cached, seed % 4, seed)
        steps, cached.augmentor.per_crop_steps = cached.augmentor.per_crop_steps, ()
        try:  # the fast path's crop before the per-crop steps
            warped = cached.augment(np.array([seed % 4]), params).inputs[0].permute(1, 2, 0).numpy()
        finally:
            cached.augmentor.per_crop_steps = steps
        close.append(within_the_warps_difference(image, reference, warped.astype(np.float32)))
        for key in SIMCC_KEYS:
            np.testing.assert_allclose(targets[key], reference[key][0], atol=1e-6, err_msg=key)
        dropped += int((reference['img'] == 0).all(axis=2).mean() > 0.03)  # CoarseDropout's hole (p=1)
    assert all(close), close
    if albumentation:
        assert dropped >= 6, dropped


def test_a_switched_pipeline_rebuilds_the_augmentor_within_the_cache(tmp_path):
    cached = cached_rtmpose_faces(tmp_path, 64)
    init_default_scope('mmpose_face')
    stage2 = Config.fromfile(TINY_RTMPOSE).train_pipeline_stage2  # the config's, at 64 px already
    cached.pipeline = Compose(stage2)
    assert cached.dataset.pipeline is cached.pipeline
    assert [type(step).__name__ for step in cached.augmentor.per_crop_steps] == ['YOLOXHSVRandomAug']
    assert cached.augmentor.jitter_bounds == dict(max_shift=0., scale_range=(0.75, 1.25), max_rotation=60.)
    stronger = [dict(step, rotate_factor=90) if step['type'] == 'RandomBBoxTransform' else step for step in stage2]
    with pytest.raises(ValueError, match=r'cannot take the switched train pipeline: shift 0.0 / rotation 90.0 '
                                         r'beyond the cached 0.16 / 80.0'):
        cached.pipeline = Compose(stronger)
    assert cached.augmentor.jitter_bounds['max_rotation'] == 60.  # unchanged after the refusal
    cached.warp = 'device'  # as if built with warp='device' for a pipeline without per-crop steps
    with pytest.raises(ValueError, match=r"warp='device', but its \['YOLOXHSVRandomAug'\] run on each warped crop"):
        cached.pipeline = Compose(stage2)


def test_tiny_rtmpose_trains_on_the_fast_path_through_the_pipeline_switch(tmp_path):
    from mmpose_face.apis import build_runner
    cfg = to_fast_path_config(Config.fromfile(TINY_RTMPOSE), cache_dir=str(tmp_path / 'cache'), warp='host',
                              num_workers=0, batch_size=4)  # one step an epoch
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.dataset.num_threads = 1
    runner = build_runner(cfg)
    dataset, preprocessor = runner.train_loop.dataloader.dataset, runner.model.data_preprocessor
    assert type(runner.train_loop).__name__ == 'FastEpochBasedTrainLoop'
    first = dataset.augmentor
    batch = next(iter(runner.train_loop.dataloader))
    samples = preprocessor(batch, training=True)['data_samples']
    expected = first.codec.encode(batch.keypoints.numpy()[:1], batch.keypoints_visible.numpy()[:1])
    for key in SIMCC_KEYS:  # encode_batch on the device = the codec's encode of one face
        np.testing.assert_allclose(samples[0].gt_instance_labels[key].numpy(), expected[key], atol=1e-6)
    runner.train()  # 2 epochs x 1 step; PipelineSwitchHook switches before the second
    assert dataset.augmentor is not first and preprocessor._augmentor is dataset.augmentor  # re-bound
    assert [type(step).__name__ for step in dataset.augmentor.per_crop_steps] == ['YOLOXHSVRandomAug']
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 2 and np.isfinite(losses).all()
    ema = next(hook for hook in runner.hooks if type(hook).__name__ == 'EMAHook')
    assert type(ema.ema_model).__name__ == 'ExpMomentumEMA' and int(ema.ema_model.steps) == 2
    assert osp.isfile(osp.join(cfg.work_dir, 'epoch_2.pth'))
    assert np.isfinite(runner.message_hub.get_scalar('val/NME').current())  # validated with the EMA weights
