"""The fast training path: cached crops augmented in batches equal the reference pipeline.

For the SAME sampled flip, shift, scale and rotation, the fast path's input
matches ``LoadImage -> GetBBoxCenterScale -> RandomFlip ->
RandomBBoxTransform -> TopdownAffine`` (``cv2.warpAffine`` on the
photograph): bit for bit from the host warp of a face cached at source
pixels (the 4 test faces are), within 1 grey level from the device warp
(``grid_sample``) and within interpolation error from a resampled crop; the
keypoint targets and weights match ``GenerateTarget``.
"""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmpose_face.datasets import WFLWDataset
from mmpose_face.datasets.transforms import PackPoseInputs
from mmpose_face.errors import FastPathPipelineError, NonFiniteLossError
from mmpose_face.fast_path import (BatchTopdownAugmentor, CachedFaceDataset, FaceBatch, FaceBatchSampler,
                                   FaceCropCache, FastPoseDataPreprocessor, ShardShuffleSampler, face_batch_collate)
from mmpose_face.fast_path import cached_face_dataset as cached_face_dataset_module
from mmpose_face.fast_path import to_fast_path_config
from mmpose_face.fast_path import face_batch_sampler as face_batch_sampler_module
from mmpose_face.fast_path.batch_topdown_augmentor import AugmentParameters
from mmpose_face.fast_path.face_crop_cache import (CropCacheSettings, covered_half_side,
                                                  lossless_crop_size, rotated_half_extent)
from mmpose_face.registry import KEYPOINT_CODECS, TRANSFORMS
from mmpose_face.structures import PoseDataSample
from reference_sample import fast_sample, reference_sample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA = osp.join(REPO, 'tests', 'data')
FAST_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                       'td-reg_res50_fastpath-210e_wflw-256x256.py')
PUBLISHED_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                            'td-reg_res50_8xb64-210e_wflw-256x256.py')
TINY_FAST_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_fastpath_wflw-64x64.py')
MEAN_ABS_TOLERANCE = 0.5  # grey levels (0-255) per face, device warp against the reference (0.20-0.25)


def published_pipeline(input_size=(256, 256), **changes):
    """The published train_pipeline (configs), its input size set, steps' arguments changed
    (or, given a ``type``, the steps replaced) by type."""
    pipeline = Config.fromfile(PUBLISHED_CONFIG).train_pipeline
    for step in pipeline:
        if step['type'] == 'TopdownAffine':
            step['input_size'] = input_size
        if step['type'] == 'GenerateTarget':
            step['encoder'] = dict(type='RegressionLabel', input_size=input_size)
        change = changes.get(step['type'], {})
        if 'type' in change:  # another step in its place, with only the given arguments
            step.clear()
        step.update(change)
    return pipeline


def wflw_dataset(data_root=DATA, input_size=(256, 256), **changes):
    """The 4 real faces with the published train pipeline (its steps changed by ``changes``)."""
    init_default_scope('mmpose_face')
    return WFLWDataset(ann_file='test_wflw.json', data_root=data_root, data_prefix=dict(img=''),
                       pipeline=published_pipeline(input_size, **changes))


@pytest.fixture(scope='module')
def cached_256(tmp_path_factory):
    """The 4 test faces cached for 256x256 inputs with the published settings."""
    return CachedFaceDataset(wflw_dataset(), cache_dir=str(tmp_path_factory.mktemp('cache')), num_threads=1,
                             warp='host')


def test_fast_path_config_differs_from_the_published_one_only_in_loader_loop_precision_and_batch():
    published = Config.fromfile(PUBLISHED_CONFIG)
    fast = Config.fromfile(FAST_CONFIG)
    # the loader wraps the published training set, pipeline included: the augmentation is configured once
    assert fast.train_dataloader.dataset.type == 'CachedFaceDataset'
    assert fast.train_dataloader.dataset.dataset == published.train_dataloader.dataset
    assert 'fast_augment' not in fast
    # the model: the same but for the preprocessor's type and the per-step loss check the loop replaces
    fast_model, published_model = fast.model.to_dict(), published.model.to_dict()
    assert fast_model.pop('train_cfg') == dict(check_finite_loss_every_step=False)
    assert fast_model.pop('data_preprocessor') == dict(published_model.pop('data_preprocessor'),
                                                        type='FastPoseDataPreprocessor')
    assert fast_model == published_model
    # one GPU x 512 = the published 8 x 64, so the learning rate is the published one
    assert fast.train_dataloader.batch_size == 8 * published.train_dataloader.batch_size
    assert fast.auto_scale_lr.base_batch_size == 512
    assert fast.optim_wrapper.optimizer == published.optim_wrapper.optimizer
    assert fast.optim_wrapper.type == 'AutocastOptimWrapper'
    assert fast.param_scheduler == published.param_scheduler
    assert fast.train_cfg.type == 'FastEpochBasedTrainLoop' and fast.train_cfg.max_epochs == 210
    assert fast.val_dataloader.dataset == published.val_dataloader.dataset
    assert fast.val_evaluator == published.val_evaluator
    # to_fast_path_config makes the same changes to any config
    generated = to_fast_path_config(published, batch_size=512)
    assert generated.model == fast.model and generated.train_cfg == fast.train_cfg
    for key in ('dataset', 'sampler', 'batch_sampler', 'collate_fn', 'batch_size'):
        assert generated.train_dataloader[key] == fast.train_dataloader[key], key


def test_the_augmentor_reads_the_train_pipeline_and_refuses_what_it_cannot_reproduce():
    augmentor = wflw_dataset(input_size=(64, 48)).pipeline.transforms
    augmentor = BatchTopdownAugmentor.from_pipeline(augmentor)
    assert augmentor.input_size == (64, 48) and augmentor.padding == 1.25 and augmentor.flip.prob == 0.5
    assert augmentor.jitter_bounds == dict(max_shift=0.16, scale_range=(0.75, 1.25), max_rotation=60)
    assert augmentor.codec.input_size == (64, 48)
    assert augmentor.label_mapping_table == PackPoseInputs.label_mapping_table  # one table for both paths

    @TRANSFORMS.register_module(force=True)
    class RandomGreyscale:
        def __call__(self, results):
            return results

    pipeline = published_pipeline()
    with_extra = pipeline[:4] + [dict(type='RandomGreyscale')] + pipeline[4:]
    with pytest.raises(FastPathPipelineError, match=r'step 4 \(RandomGreyscale\) cannot be reproduced'):
        BatchTopdownAugmentor.from_pipeline(Compose(with_extra).transforms)
    swapped = [pipeline[0], pipeline[1], pipeline[3], pipeline[2]] + pipeline[4:]
    with pytest.raises(FastPathPipelineError, match=r'step 3 \(RandomFlip\) is out of the order'):
        BatchTopdownAugmentor.from_pipeline(Compose(swapped).transforms)
    with pytest.raises(FastPathPipelineError, match='GenerateTarget'):
        BatchTopdownAugmentor.from_pipeline(Compose(pipeline[:5] + pipeline[6:]).transforms)
    with pytest.raises(FastPathPipelineError, match='RandomGreyscale'):  # the data set refuses it too
        CachedFaceDataset(WFLWDataset(ann_file='test_wflw.json', data_root=DATA, data_prefix=dict(img=''),
                                      pipeline=with_extra), cache_dir='/nonexistent')


def test_cache_geometry_covers_the_strongest_augmentation(cached_256):
    settings = CropCacheSettings((256, 256), 1.25, max_shift=0.16, scale_range=(0.75, 1.25), max_rotation=60)
    # square box s: R = s (1.25 sqrt(2) / 2 + 0.16) once rotations reach 45 degrees
    assert covered_half_side(np.array([[100., 100.]]), settings)[0] == pytest.approx(100 * (1.25 * 2**0.5 / 2 + 0.16))
    # no rotation: just the half box
    assert rotated_half_extent(np.array([[100., 60.]]), 0.)[0] == pytest.approx(50.)
    assert rotated_half_extent(np.array([[100., 100.]]), 30.)[0] == pytest.approx(50 * (np.cos(np.pi / 6) + 0.5))
    # 256 px / 0.75 zoom over 2R: 712.6 -> 713 + 3 margin pixels
    assert lossless_crop_size(np.array([[80., 80.], [300., 300.]]), settings) == 716
    assert cached_256.settings == settings  # the pipeline's own parameters (RandomBBoxTransform.jitter_bounds)
    # source pixels for these faces, each crop just its covered square and a pixel each side
    faces = cached_256.cache.faces
    assert (faces['pixel_size'] == 1).all() and (faces['origin'] == np.round(faces['origin'])).all()
    sides = 2 * covered_half_side(faces['box_scale'], settings) + 3
    assert (faces['crop_shape'] >= np.floor(sides)[:, None]).all() and (faces['crop_shape'] <= sides[:, None] + 2).all()


@pytest.mark.parametrize('input_size', [256, 64], ids=['at_source_pixels', 'resampled'])
def test_every_sampled_crop_stays_inside_its_cached_crop(cached_256, tmp_path, input_size):
    """Corners of the input under the strongest draws map inside each face's crop: at 256 px the
    test faces are cached at source pixels (smaller than the 716 px lossless side), at 64 px
    downsampled to the 182 px lossless side."""
    cached = cached_256 if input_size == 256 else CachedFaceDataset(
        wflw_dataset(input_size=(64, 64)), cache_dir=str(tmp_path), num_threads=1, warp='host')
    faces, augmentor = cached.cache.faces, cached.augmentor
    assert ((faces['pixel_size'] == 1).all() if input_size == 256
            else (faces['pixel_size'] > 1).all() and (faces['crop_shape'] == 182).all())
    last = input_size - 1.
    corners = np.array([[0., 0.], [last, 0.], [0., last], [last, last]])
    rows = np.arange(len(cached.cache))
    for rotation in (-60., -45., 0., 45., 60.):
        for shift in ((0.16, 0.16), (-0.16, 0.16), (0.16, -0.16)):
            for flip in (False, True):
                params = AugmentParameters(flip=np.full(4, flip), shift=np.tile(np.float32(shift), (4, 1)),
                                           scale=np.full((4, 1), 1.25, np.float32),
                                           rotation=np.full(4, rotation, np.float32))
                width = faces['image_shape'][rows, 1]
                image_matrices = augmentor.image_matrices(params, faces['center'], faces['box_scale'], width)
                matrices = augmentor.crop_matrices(image_matrices, params.flip, faces['origin'], faces['pixel_size'],
                                                   width)
                for matrix, (h, w) in zip(matrices, faces['crop_shape']):
                    crop_points = (corners - matrix[:, 2]) @ np.linalg.inv(matrix[:, :2]).T
                    assert (crop_points >= 0.999).all() and (crop_points <= np.array([w, h]) - 1.999).all(), (
                        rotation, shift, flip)


def test_the_fast_path_draws_exactly_what_the_reference_pipeline_draws(cached_256):
    """One face from RandomState(seed) = the reference pipeline after np.random.seed(seed):
    the same functions, in the same order."""
    flips = 0
    for seed in range(12):
        _, drawn_by_reference = reference_sample(cached_256.dataset, seed % 4, seed)
        drawn = cached_256.augmentor.sample(1, np.random.RandomState(seed))
        np.testing.assert_array_equal(drawn.flip, drawn_by_reference.flip)
        np.testing.assert_allclose(drawn.shift, drawn_by_reference.shift, atol=1e-6)
        np.testing.assert_allclose(drawn.scale, drawn_by_reference.scale, rtol=1e-6)
        np.testing.assert_array_equal(drawn.rotation, drawn_by_reference.rotation)
        flips += int(drawn.flip[0])
    assert 0 < flips < 12


@pytest.mark.parametrize('on_device', [True, False], ids=['grid_sample', 'cv2_on_host'])
def test_fast_path_matches_reference_pipeline(cached_256, on_device):
    dataset = cached_256.dataset
    right, wrong, flips, rotated, shifted = [], [], 0, 0, 0
    for seed in range(16):
        index = seed % len(dataset)
        reference, params = reference_sample(dataset, index, seed)
        image, labels, weights = fast_sample(cached_256, index, params, on_device=on_device)
        difference = np.abs(image - reference['img'].astype(np.float32))
        right.append(difference.max() if not on_device else difference.mean())
        if on_device:  # every pixel within 1 grey level (measured: at most 0.50)
            assert difference.max() <= 1., difference.max()
        np.testing.assert_allclose(labels, reference['keypoint_labels'][0], atol=1e-4)
        np.testing.assert_array_equal(weights, reference['keypoint_weights'][0])
        off_by_one_degree = AugmentParameters(params.flip, params.shift, params.scale, params.rotation + 1.)
        wrong.append(np.abs(fast_sample(cached_256, index, off_by_one_degree, on_device=on_device)[0]
                            - reference['img']).mean())
        flips += bool(params.flip[0])
        rotated += bool(params.rotation[0] != 0)
        shifted += bool((params.shift != 0).any())
    assert 0 < flips < 16 and 0 < rotated < 16 and 0 < shifted < 16  # every branch was exercised
    # the host warp of a face at source pixels is the reference's; the device one is within a grey level
    assert max(right) == 0 if not on_device else max(right) < MEAN_ABS_TOLERANCE, right
    assert min(wrong) > 3 * MEAN_ABS_TOLERANCE, wrong  # the tolerance tells parameters apart


def test_a_downsampled_face_matches_the_reference_within_interpolation_error(tmp_path):
    """At 64 px the test faces are larger than the 182 px lossless side: cached downsampled
    (1.1-1.6 photograph pixels per cache pixel), their inputs are two resamplings of the
    photograph against the reference's one (measured: mean 0.9-2.0 grey levels per face;
    one degree of rotation off: 3.4 or more)."""
    cached = CachedFaceDataset(wflw_dataset(input_size=(64, 64)), cache_dir=str(tmp_path), num_threads=1,
                               warp='host')
    assert (cached.cache.faces['pixel_size'] > 1).all()
    for on_device in (False, True):
        right, wrong = [], []
        for seed in range(8):
            reference, params = reference_sample(cached.dataset, seed % 4, seed)
            image, labels, _ = fast_sample(cached, seed % 4, params, on_device=on_device)
            right.append(np.abs(image - reference['img']).mean())
            np.testing.assert_allclose(labels, reference['keypoint_labels'][0], atol=1e-4)
            rotated = AugmentParameters(params.flip, params.shift, params.scale, params.rotation + 1.)
            off_by_one_degree = fast_sample(cached, seed % 4, rotated, on_device=on_device)[0]
            wrong.append(np.abs(off_by_one_degree - reference['img']).mean())
        assert max(right) < 2.5 < 3 < min(wrong), (on_device, right, wrong)


def test_flip_pairs_swap_as_in_random_flip(cached_256):
    dataset = cached_256.dataset
    seed = next(s for s in range(50) if reference_sample(dataset, 0, s)[1].flip[0])
    reference, params = reference_sample(dataset, 0, seed)
    _, labels, _ = fast_sample(cached_256, 0, params)
    np.testing.assert_allclose(labels, reference['keypoint_labels'][0], atol=1e-4)
    faces, augmentor = cached_256.cache.faces, cached_256.augmentor
    width = faces['image_shape'][:1, 1]
    matrices = augmentor.image_matrices(params, faces['center'][:1], faces['box_scale'][:1], width)
    no_swap = np.arange(len(faces['flip_indices']))
    unswapped, _ = augmentor.transform_keypoints(faces['keypoints'][:1], faces['keypoints_visible'][:1], matrices,
                                                 params.flip, no_swap, width)
    unswapped = unswapped[0] / 256
    assert np.abs(unswapped - reference['keypoint_labels'][0]).max() > 0.05  # left and right eye differ


def test_cache_is_reused_and_rebuilt_when_the_data_or_settings_change(tmp_path):
    data_root = tmp_path / 'data'
    shutil.copytree(DATA, data_root, ignore=shutil.ignore_patterns('cache'))
    cache_dir = str(tmp_path / 'cache')

    def build(**changes):
        return CachedFaceDataset(wflw_dataset(str(data_root), (64, 64), **changes), cache_dir=cache_dir,
                                 num_threads=1)

    first = build()
    crops_file = osp.join(first.cache_dir, FaceCropCache.CROPS)
    built_at = os.stat(crops_file).st_mtime_ns
    assert build().cache.key == first.cache.key and os.stat(crops_file).st_mtime_ns == built_at  # reused

    ann_file = data_root / 'test_wflw.json'
    annotations = json.loads(ann_file.read_text())
    annotations['annotations'][0]['keypoints'][0] += 3.0  # one landmark moves 3 px
    ann_file.write_text(json.dumps(annotations))
    moved = build()
    assert moved.cache.key['ann_file_sha256'] != first.cache.key['ann_file_sha256']
    shift = moved.cache.faces['keypoints'][0, 0, 0] - first.cache.faces['keypoints'][0, 0, 0]
    assert shift == pytest.approx(3.0, abs=1e-3)  # the cache keeps keypoints in image pixels

    image = data_root / '7_Cheering_Cheering_7_16.jpg'
    os.utime(image, ns=(built_at, built_at + 10**9))  # a replaced photograph
    assert build().cache.key['images_sha256'] != moved.cache.key['images_sha256']

    stronger = build(RandomBBoxTransform=dict(rotate_factor=90.))  # read from the train pipeline
    assert stronger.cache.key['settings']['max_rotation'] == 90.
    assert stronger.cache.crop_size == moved.cache.crop_size  # same dir, rebuilt for the new settings
    assert len(os.listdir(cache_dir)) == 1


def test_each_rank_caches_only_its_shard(tmp_path, monkeypatch):
    caches = {}
    for rank in (0, 1):
        monkeypatch.setattr(cached_face_dataset_module, 'get_dist_info', lambda rank=rank: (rank, 2))
        caches[rank] = CachedFaceDataset(wflw_dataset(input_size=(64, 64)), cache_dir=str(tmp_path), num_threads=1)
    assert caches[0].cache.faces['dataset_index'].tolist() == [0, 2]
    assert caches[1].cache.faces['dataset_index'].tolist() == [1, 3]
    assert len(caches[0]) == len(caches[1]) == 2 and caches[0].cache_dir != caches[1].cache_dir

    sampler = ShardShuffleSampler(list(range(10)), seed=3)
    epoch0 = list(sampler)
    assert sorted(epoch0) == list(range(10)) and list(sampler) == epoch0
    sampler.set_epoch(1)
    assert sorted(sampler) == list(range(10)) and list(sampler) != epoch0


def test_batch_seeds_are_explicit_state_of_the_sampler(monkeypatch):
    """(seed, rank, epoch, batch number) and nothing else: what a resumed run's sampler
    recomputes from its epoch, whatever the global iteration or the loader workers."""
    sampler = ShardShuffleSampler(list(range(10)), seed=3)
    batches = FaceBatchSampler(sampler, batch_size=4)
    epoch0 = list(batches)
    assert len(batches) == 3 and [len(batch.rows) for batch in epoch0] == [4, 4, 2]
    assert sorted(sum((batch.rows for batch in epoch0), ())) == list(range(10))
    assert len({batch.seed for batch in epoch0}) == 3
    again = FaceBatchSampler(ShardShuffleSampler(list(range(10)), seed=3), batch_size=4)
    assert list(again) == epoch0  # a fresh process (a resumed run) at epoch 0
    sampler.set_epoch(1)
    assert not {batch.seed for batch in batches} & {batch.seed for batch in epoch0}
    monkeypatch.setattr(face_batch_sampler_module, 'get_dist_info', lambda: (1, 2))
    other_rank = FaceBatchSampler(ShardShuffleSampler(list(range(10)), seed=3), batch_size=4)
    assert not {batch.seed for batch in other_rank} & {batch.seed for batch in epoch0}
    assert len(FaceBatchSampler(sampler, batch_size=4, drop_last=True)) == 2


def fast_batches(tmp_path, **preprocessor):
    dataset = CachedFaceDataset(wflw_dataset(input_size=(64, 64)), cache_dir=str(tmp_path), num_threads=1,
                                warp='host')
    processor = FastPoseDataPreprocessor(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
                                         bgr_to_rgb=True, **preprocessor)
    processor.bind(dataset.cache, dataset.augmentor)
    return dataset, processor


def test_fast_batches_keep_the_pose_data_sample_contract(tmp_path):
    dataset, preprocessor = fast_batches(tmp_path)
    batch = face_batch_collate(dataset.__getitems__(FaceBatch(rows=(0, 1, 2, 3, 0, 1), seed=7)))
    packed = preprocessor(batch, training=True)
    inputs, samples = packed['inputs'], packed['data_samples']
    assert inputs.shape == (6, 3, 64, 64) and inputs.dtype == torch.float32
    assert inputs.is_contiguous(memory_format=torch.channels_last)  # as cv2 warped it: no re-layout
    assert -3 < inputs.mean().item() < 3 and inputs.std().item() > 0.3  # normalised, not raw 0-255
    assert len(samples) == 6  # one PoseDataSample per face, as PackPoseInputs gives
    expected = dataset.augmentor.codec.encode(batch.keypoints.numpy(), batch.keypoints_visible.numpy())
    for index, sample in enumerate(samples):
        labels = sample.gt_instance_labels
        assert labels.keypoint_labels.shape == (1, 98, 2) and labels.keypoint_weights.shape == (1, 98)
        np.testing.assert_array_equal(labels.keypoint_labels.numpy(), expected['keypoint_labels'][index:index + 1])
        np.testing.assert_array_equal(labels.keypoint_weights.numpy(), expected['keypoint_weights'][index:index + 1])
        assert sample.img_path == dataset.cache.img_paths[(0, 1, 2, 3, 0, 1)[index]]
        assert sample.input_size == (64, 64) and sample.flip == bool(batch.flip[index])
    # the same draw for the same seed; another seed draws otherwise
    again = preprocessor(dataset.__getitems__(FaceBatch(rows=(0, 1, 2, 3, 0, 1), seed=7)), training=True)
    torch.testing.assert_close(inputs, again['inputs'])
    other = preprocessor(dataset.__getitems__(FaceBatch(rows=(0, 1, 2, 3, 0, 1), seed=8)), training=True)
    assert not torch.equal(inputs, other['inputs'])
    # warped on the device (grid_sample from the bound cache) instead of by the loader: the same batch
    warped_here = preprocessor(batch.without_inputs(), training=True)['inputs']
    assert (warped_here - inputs).abs().mean() < 0.5 / 57  # within half a grey level
    reference_batch = dict(inputs=[torch.zeros(3, 64, 64, dtype=torch.uint8)], data_samples=[PoseDataSample()])
    passed = preprocessor(reference_batch)  # validation batches pass through, as PoseDataPreprocessor's
    assert passed['inputs'].shape == (1, 3, 64, 64) and passed['data_samples'][0].pad_shape == (64, 64)
    with pytest.raises(RuntimeError, match='no training set is bound'):
        FastPoseDataPreprocessor()(batch, training=True)


def test_loader_workers_deliver_the_same_batches(tmp_path):
    dataset, _ = fast_batches(tmp_path)

    def epoch(num_workers):
        batches = FaceBatchSampler(ShardShuffleSampler(dataset, seed=5), batch_size=3)
        loader = torch.utils.data.DataLoader(dataset, batch_sampler=batches, collate_fn=face_batch_collate,
                                             num_workers=num_workers)
        return list(loader)

    for here, in_a_worker in zip(epoch(0), epoch(1)):
        for key in ('inputs', 'keypoints', 'warp_matrices', 'face_index'):
            assert torch.equal(getattr(here, key), getattr(in_a_worker, key)), key
        assert here.img_path == in_a_worker.img_path


@KEYPOINT_CODECS.register_module(force=True)
class CentredRegressionLabel:
    """A second codec, for the test only: keypoints relative to the crop centre, in half crop sizes."""

    def __init__(self, input_size):
        self.input_size = tuple(input_size)

    def encode(self, keypoints, keypoints_visible=None):
        return self._encode(keypoints, np.ones(keypoints.shape[:2]) if keypoints_visible is None else keypoints_visible)

    def encode_batch(self, keypoints, keypoints_visible):
        return self._encode(keypoints, keypoints_visible)

    def _encode(self, keypoints, keypoints_visible):
        w, h = self.input_size
        centred = (keypoints - keypoints.new_tensor([w / 2, h / 2]) if isinstance(keypoints, torch.Tensor)
                   else (keypoints - np.array([w / 2, h / 2])).astype(np.float32))
        scale = centred.new_tensor([w / 2, h / 2]) if isinstance(centred, torch.Tensor) else np.array([w / 2, h / 2])
        weights = keypoints_visible > 0.5
        return dict(keypoint_labels=centred / scale,
                    keypoint_weights=weights.float() if isinstance(weights, torch.Tensor) else weights.astype(np.float32))

    def decode(self, encoded):
        w, h = self.input_size
        return (encoded + 1) * np.array([w / 2, h / 2]), np.ones(encoded.shape[:2], np.float32)


def test_a_codec_registered_later_works_on_the_fast_path_unchanged(tmp_path):
    from mmpose_face.apis import prepare_train_config
    from mmengine.runner import Runner
    codec = dict(type='CentredRegressionLabel', input_size=(64, 64))
    cfg = prepare_train_config(TINY_FAST_CONFIG, str(tmp_path / 'run'), cfg_options={
        'train_dataloader.dataset.cache_dir': str(tmp_path / 'cache'), 'train_cfg.max_epochs': 1,
        'model.head.decoder': codec})
    for step in cfg.train_dataloader.dataset.dataset.pipeline:
        if step['type'] == 'GenerateTarget':
            step['encoder'] = codec
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.save_best = None
    runner = Runner.from_cfg(cfg)
    loop = runner.train_loop  # binds the training set to the preprocessor
    batch = next(iter(loop.dataloader))
    samples = runner.model.data_preprocessor(batch, training=True)['data_samples']
    expected = KEYPOINT_CODECS.build(codec).encode(batch.keypoints.numpy(), batch.keypoints_visible.numpy())
    labels = torch.cat([sample.gt_instance_labels.keypoint_labels for sample in samples]).numpy()
    np.testing.assert_allclose(labels, expected['keypoint_labels'], rtol=1e-6)
    assert labels.min() < 0  # centred, not RegressionLabel's [0, 1]
    runner.train()
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())


def _runner(work_dir, cache_dir, **options):
    from mmpose_face.apis import build_runner, prepare_train_config
    cfg = prepare_train_config(TINY_FAST_CONFIG, str(work_dir), cfg_options={
        'train_dataloader.dataset.cache_dir': str(cache_dir), 'train_cfg.max_epochs': 1,
        'default_hooks.logger.interval': 50, **options})
    return build_runner(cfg)  # our entry point: it runs inside mmpose_face.compat's fixes


def test_losses_are_logged_every_step_but_read_at_the_interval(tmp_path):
    runner = _runner(tmp_path / 'run', tmp_path / 'cache', val_cfg=None, val_dataloader=None,
                     val_evaluator=None, **{'default_hooks.checkpoint.save_best': None})
    runner.train()
    assert len(runner.message_hub.get_scalar('train/loss').data[0]) == 2  # both steps of the epoch
    assert runner.train_loop.sync_interval == 50 and runner.train_loop._pending == []
    assert osp.isfile(osp.join(runner.work_dir, 'epoch_1.pth'))


def test_a_nan_loss_stops_training_before_the_checkpoint(tmp_path):
    runner = _runner(tmp_path / 'run', tmp_path / 'cache', val_cfg=None, val_dataloader=None,
                     val_evaluator=None, **{'default_hooks.checkpoint.save_best': None,
                                            'model.head.loss.loss_weight': float('nan')})
    with pytest.raises(NonFiniteLossError, match=r'iteration 1 \(epoch 1\).*Images of that batch: \[.*\.jpg'):
        runner.train()  # counted from 1, as the reference loop's message
    assert not [name for name in os.listdir(runner.work_dir) if name.endswith('.pth')]


def test_a_resumed_fast_run_ends_where_an_uninterrupted_one_ends(tmp_path, monkeypatch):
    """The augmentation's seeds are the sampler's (seed, rank, epoch, batch number), so
    2 epochs equal 1 epoch + a resumed second one, bit for bit."""
    from mmpose_face.fast_path import FastEpochBasedTrainLoop
    steps = []
    run_iter = FastEpochBasedTrainLoop.run_iter
    monkeypatch.setattr(FastEpochBasedTrainLoop, 'run_iter',
                        lambda self, idx, batch: steps.append(self._iter) or run_iter(self, idx, batch))

    def train(work_dir, epochs, resume=False):
        runner = _runner(tmp_path / work_dir, tmp_path / 'cache', val_cfg=None, val_dataloader=None,
                         val_evaluator=None, **{'default_hooks.checkpoint.save_best': None,
                                                'train_cfg.max_epochs': epochs, 'resume': resume})
        runner.train()
        return runner.model.state_dict()

    straight = train('straight', 2)
    train('resumed', 1)
    del steps[:]
    resumed = train('resumed', 2, resume=True)
    assert steps == [2, 3]  # only the second epoch ran: it resumed
    assert all(torch.equal(straight[key], resumed[key]) for key in straight)


def test_tiny_fast_path_training_through_tools_train(tmp_path):
    command = [sys.executable, osp.join(REPO, 'tools', 'train.py'), TINY_FAST_CONFIG, '--work-dir',
               str(tmp_path / 'work'), '--cfg-options', f'train_dataloader.dataset.cache_dir={tmp_path / "cache"}',
               'train_cfg.max_epochs=1']
    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert osp.isfile(tmp_path / 'work' / 'epoch_1.pth')
    assert 'NME' in finished.stdout + finished.stderr
    assert os.listdir(tmp_path / 'cache')  # the crops were cached


def test_autocast_optim_wrapper_runs_the_forward_in_bf16_without_a_scaler():
    from mmpose_face.engine import AutocastOptimWrapper
    model = torch.nn.Linear(4, 2)
    wrapper = AutocastOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    with wrapper.optim_context(model):
        output = model(torch.ones(3, 4))
    assert output.dtype == torch.bfloat16 and model.weight.dtype == torch.float32
    before = model.weight.detach().clone()
    wrapper.update_params(output.float().pow(2).mean())
    assert not torch.equal(before, model.weight) and not hasattr(wrapper, 'loss_scaler')
    with AutocastOptimWrapper(optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                              enabled=False).optim_context(model):
        assert model(torch.ones(3, 4)).dtype == torch.float32


def test_channels_last_ddp_converts_the_module_before_building_buckets(tmp_path):
    import warnings

    import torch.distributed as dist

    from mmpose_face.engine import ChannelsLastDistributedDataParallel
    dist.init_process_group('gloo', init_method=f'file://{tmp_path / "rendezvous"}', rank=0, world_size=1)
    try:
        module = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 2, 3))
        wrapped = ChannelsLastDistributedDataParallel(module=module, device_ids=None)
        assert module[1].weight.is_contiguous(memory_format=torch.channels_last)
        inputs = torch.randn(2, 3, 8, 8).contiguous(memory_format=torch.channels_last)
        with warnings.catch_warnings():
            warnings.simplefilter('error')  # "Grad strides do not match bucket view strides"
            wrapped(inputs).sum().backward()
    finally:
        dist.destroy_process_group()


def test_an_unreadable_photograph_is_named_and_leaves_no_cache(tmp_path):
    from mmpose_face.datasets.transforms.loading import ImageLoadError
    data_root = tmp_path / 'data'
    shutil.copytree(DATA, data_root, ignore=shutil.ignore_patterns('cache'))
    (data_root / '7_Cheering_Cheering_7_16.jpg').write_bytes(b'not a jpeg')
    with pytest.raises(ImageLoadError, match='7_Cheering_Cheering_7_16.jpg'):
        CachedFaceDataset(wflw_dataset(str(data_root), (64, 64)), cache_dir=str(tmp_path / 'cache'),
                          num_threads=1)
    (cache_dir, ) = os.listdir(tmp_path / 'cache')
    assert os.listdir(tmp_path / 'cache' / cache_dir) == []
