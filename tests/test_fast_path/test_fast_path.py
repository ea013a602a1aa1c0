"""The fast training path: cached crops augmented in batches equal the reference pipeline.

For the SAME sampled flip, shift, scale and rotation, the fast path's input
(a crop of the cached crop, ``grid_sample``) matches
``LoadImage -> GetBBoxCenterScale -> RandomFlip -> RandomBBoxTransform ->
TopdownAffine`` (``cv2.warpAffine`` on the photograph) within interpolation
error, and the keypoint targets and weights match ``GenerateTarget``.
Measured on the two WFLW photographs at 256x256 with the lossless cache
(716 px): mean absolute difference 0.26-0.35 grey levels per face; one
degree of rotation off gives 3.5-5.
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
from mmengine.logging import MessageHub

from mmpose_face.datasets import WFLWDataset
from mmpose_face.fast_path import CachedFaceDataset, FaceCropCache, ShardShuffleSampler
from mmpose_face.fast_path import cached_face_dataset as cached_face_dataset_module
from mmpose_face.fast_path.face_crop_cache import (BILINEAR_MARGIN_PX, CropCacheSettings, covered_half_side,
                                                  lossless_crop_size, rotated_half_extent)
from mmpose_face.datasets.transforms import RandomBBoxTransform
from mmpose_face.fast_path import BatchTopdownAugmentor, FastPoseDataPreprocessor
from mmpose_face.fast_path.batch_topdown_augmentor import AugmentParameters
from mmpose_face.fast_path.reference_sample import reference_sample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA = osp.join(REPO, 'tests', 'data')
FAST_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                       'td-reg_res50_fastpath-210e_wflw-256x256.py')
PUBLISHED_CONFIG = osp.join(REPO, 'configs', 'face_2d_keypoint', 'topdown_regression', 'wflw',
                            'td-reg_res50_8xb64-210e_wflw-256x256.py')
TINY_FAST_CONFIG = osp.join(REPO, 'tests', 'configs', 'td-reg_res18_tiny_fastpath_wflw-64x64.py')
PUBLISHED_AUGMENT = dict(flip_prob=0.5, shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25),
                         scale_prob=1.0, rotate_factor=60., rotate_prob=0.6)
MEAN_ABS_TOLERANCE = 1.0  # grey levels (0-255) per face; measured 0.26-0.35


def wflw_dataset(data_root=DATA):
    return WFLWDataset(ann_file='test_wflw.json', data_root=data_root, data_prefix=dict(img=''), pipeline=[])


@pytest.fixture(scope='module')
def cached_256(tmp_path_factory):
    """The 4 test faces cached for 256x256 inputs with the published settings."""
    return CachedFaceDataset(wflw_dataset(), input_size=(256, 256),
                             cache_dir=str(tmp_path_factory.mktemp('cache')), num_threads=1)


def fast_sample(cache, index, params, input_size=(256, 256), flip_indices=None):
    """The fast path on cached face ``index`` with the given parameters:
    (h, w, 3) float BGR image, labels (K, 2), weights (K,)."""
    augmentor = BatchTopdownAugmentor(input_size)
    faces = cache.faces
    row = slice(index, index + 1)
    matrices = augmentor.warp_matrices(params, torch.from_numpy(faces['center'][row]),
                                       torch.from_numpy(faces['box_scale'][row]))
    image = augmentor.warp_images(torch.from_numpy(np.array(cache.crops[row])).float(), matrices)
    flip_indices = torch.from_numpy(faces['flip_indices']) if flip_indices is None else flip_indices
    labels, weights = augmentor.keypoint_targets(
        torch.from_numpy(faces['keypoints'][row]), torch.from_numpy(faces['keypoints_visible'][row]),
        matrices, params.flip, flip_indices)
    return image[0].permute(1, 2, 0).numpy(), labels[0].numpy(), weights[0].numpy()


def test_fast_path_config_draws_the_published_augmentation():
    published = Config.fromfile(PUBLISHED_CONFIG)
    fast = Config.fromfile(FAST_CONFIG)
    steps = {step['type']: step for step in published.train_pipeline}
    flip, jitter = steps['RandomFlip'], steps['RandomBBoxTransform']
    augment = fast.model.data_preprocessor.augment
    assert augment['flip_prob'] == flip.get('prob', 0.5)
    for name in ('shift_factor', 'shift_prob', 'rotate_factor', 'rotate_prob'):
        assert augment[name] == jitter[name], name
    assert tuple(augment['scale_factor']) == tuple(jitter['scale_factor'])
    assert augment['scale_prob'] == jitter.get('scale_prob', 1.0)
    dataset = fast.train_dataloader.dataset
    assert dataset.padding == steps['GetBBoxCenterScale'].get('padding', 1.25)
    assert tuple(dataset.input_size) == tuple(published.codec['input_size'])
    # one GPU x 512 = the published 8 x 64, so the learning rate is the published one
    assert fast.train_dataloader.batch_size == 8 * published.train_dataloader.batch_size
    assert fast.auto_scale_lr.base_batch_size == 512
    assert fast.optim_wrapper.optimizer.lr == published.optim_wrapper.optimizer.lr
    assert fast.train_cfg.type == 'FastEpochBasedTrainLoop' and fast.train_cfg.max_epochs == 210
    assert fast.val_dataloader.dataset.pipeline == published.val_dataloader.dataset.pipeline


def test_cache_geometry_covers_the_strongest_augmentation():
    settings = CropCacheSettings()
    # square box s: R = s (1.25 sqrt(2) / 2 + 0.16) once rotations reach 45 degrees
    assert covered_half_side(np.array([[100., 100.]]), settings)[0] == pytest.approx(100 * (1.25 * 2**0.5 / 2 + 0.16))
    # no rotation: just the half box
    assert rotated_half_extent(np.array([[100., 60.]]), 0.)[0] == pytest.approx(50.)
    assert rotated_half_extent(np.array([[100., 100.]]), 30.)[0] == pytest.approx(50 * (np.cos(np.pi / 6) + 0.5))
    # 256 px / 0.75 zoom over 2R: 712.6 -> 713 + 3 margin pixels
    assert lossless_crop_size(np.array([[80., 80.], [300., 300.]]), settings) == 716
    # every sampled crop stays inside: corners of the extreme crops map inside the cache
    augmentor = BatchTopdownAugmentor((256, 256))
    size = 716
    half = (size - 1) / 2
    box = (size - BILINEAR_MARGIN_PX) / (2 * (1.25 * 2**0.5 / 2 + 0.16))  # padded box, cache px
    corners = torch.tensor([[0., 0.], [255., 0.], [0., 255.], [255., 255.]])
    for rotation in (-60., -45., 0., 45., 60.):
        for shift in ((0.16, 0.16), (-0.16, 0.16), (0.16, -0.16)):
            params = AugmentParameters(flip=torch.tensor([True]), shift=torch.tensor([shift]),
                                       scale=torch.tensor([1.25]), rotation=torch.tensor([rotation]))
            matrices = augmentor.warp_matrices(params, torch.tensor([[half, half]]), torch.tensor([[box, box]]))
            linear, offset = matrices[0, :, :2], matrices[0, :, 2]
            cache_points = (corners - offset) @ torch.linalg.inv(linear).T
            assert (cache_points >= 0.999).all() and (cache_points <= size - 1.999).all(), (rotation, shift)


def test_fast_path_matches_reference_pipeline(cached_256):
    dataset, cache = cached_256.dataset, cached_256.cache
    right, wrong, flips, rotated, shifted = [], [], 0, 0, 0
    for seed in range(16):
        index = seed % len(dataset)
        reference, params = reference_sample(dataset, index, seed)
        image, labels, weights = fast_sample(cache, index, params)
        right.append(np.abs(image - reference['img'].astype(np.float32)).mean())
        np.testing.assert_allclose(labels, reference['keypoint_labels'][0], atol=1e-4)
        np.testing.assert_array_equal(weights, reference['keypoint_weights'][0])
        off_by_one_degree = AugmentParameters(params.flip, params.shift, params.scale, params.rotation + 1.)
        wrong.append(np.abs(fast_sample(cache, index, off_by_one_degree)[0] - reference['img']).mean())
        flips += bool(params.flip[0])
        rotated += bool(params.rotation[0] != 0)
        shifted += bool((params.shift != 0).any())
    assert 0 < flips < 16 and 0 < rotated < 16 and 0 < shifted < 16  # every branch was exercised
    assert max(right) < MEAN_ABS_TOLERANCE, right
    assert min(wrong) > 3 * MEAN_ABS_TOLERANCE, wrong  # the tolerance tells parameters apart


def test_flip_pairs_swap_as_in_random_flip(cached_256):
    dataset, cache = cached_256.dataset, cached_256.cache
    seed = next(s for s in range(50) if reference_sample(dataset, 0, s)[1].flip[0])
    reference, params = reference_sample(dataset, 0, seed)
    _, labels, _ = fast_sample(cache, 0, params)
    np.testing.assert_allclose(labels, reference['keypoint_labels'][0], atol=1e-4)
    no_swap = torch.arange(len(cache.faces['flip_indices']))
    _, unswapped, _ = fast_sample(cache, 0, params, flip_indices=no_swap)
    assert np.abs(unswapped - reference['keypoint_labels'][0]).max() > 0.05  # left and right eye differ


def test_sampling_follows_the_reference_distributions():
    augmentor = BatchTopdownAugmentor((256, 256), **PUBLISHED_AUGMENT)
    generator = torch.Generator().manual_seed(0)
    draws = augmentor.sample(20000, generator, 'cpu')
    np.random.seed(0)
    shift, scale, rotation = RandomBBoxTransform(shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25),
                                                 rotate_factor=60, rotate_prob=0.6).sample_parameters(20000)
    assert draws.flip.float().mean().item() == pytest.approx(0.5, abs=0.02)
    for fast, ref, bound in ((draws.shift.numpy(), shift, 0.16), (draws.scale.numpy() - 1, scale - 1, 0.25),
                             (draws.rotation.numpy(), rotation, 60.)):
        assert np.abs(fast).max() <= bound + 1e-5
        assert (fast != 0).mean() == pytest.approx((ref != 0).mean(), abs=0.02)
        assert fast[fast != 0].std() == pytest.approx(ref[ref != 0].std(), rel=0.03)
        assert fast[fast != 0].mean() == pytest.approx(0, abs=0.02 * bound)


def test_cache_is_reused_and_rebuilt_when_the_data_or_settings_change(tmp_path):
    data_root = tmp_path / 'data'
    shutil.copytree(DATA, data_root, ignore=shutil.ignore_patterns('cache'))
    cache_dir = str(tmp_path / 'cache')

    def build(**kwargs):
        return CachedFaceDataset(wflw_dataset(str(data_root)), input_size=(64, 64), cache_dir=cache_dir,
                                 num_threads=1, **kwargs)

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
    assert shift * moved.cache.faces['pixel_size'][0] == pytest.approx(3.0, abs=1e-3)

    image = data_root / '7_Cheering_Cheering_7_16.jpg'
    os.utime(image, ns=(built_at, built_at + 10**9))  # a replaced photograph
    assert build().cache.key['images_sha256'] != moved.cache.key['images_sha256']

    stronger = build(rotate_factor=90.)
    assert stronger.cache.key['settings']['rotate_factor'] == 90.
    assert stronger.cache.crop_size == moved.cache.crop_size  # same dir, rebuilt for the new settings
    assert len(os.listdir(cache_dir)) == 1


def test_each_rank_caches_only_its_shard(tmp_path, monkeypatch):
    caches = {}
    for rank in (0, 1):
        monkeypatch.setattr(cached_face_dataset_module, 'get_dist_info', lambda rank=rank: (rank, 2))
        caches[rank] = CachedFaceDataset(wflw_dataset(), input_size=(64, 64), cache_dir=str(tmp_path), num_threads=1)
    assert caches[0].cache.faces['dataset_index'].tolist() == [0, 2]
    assert caches[1].cache.faces['dataset_index'].tolist() == [1, 3]
    assert len(caches[0]) == len(caches[1]) == 2 and caches[0].cache_dir != caches[1].cache_dir

    sampler = ShardShuffleSampler(list(range(10)), seed=3)
    epoch0 = list(sampler)
    assert sorted(epoch0) == list(range(10)) and list(sampler) == epoch0
    sampler.set_epoch(1)
    assert sorted(sampler) == list(range(10)) and list(sampler) != epoch0


def test_preprocessor_builds_a_normalised_batch_deterministically(tmp_path):
    dataset = CachedFaceDataset(wflw_dataset(), input_size=(64, 64), cache_dir=str(tmp_path), num_threads=1)
    preprocessor = FastPoseDataPreprocessor(
        input_size=(64, 64), augment=PUBLISHED_AUGMENT, seed=7, mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375], bgr_to_rgb=True)
    batch = torch.utils.data.default_collate([dataset[i] for i in (0, 1, 2, 3, 0, 1)])
    hub = MessageHub.get_instance('test_fast_path')
    hub.update_info('iter', 5)
    first = preprocessor(batch, training=True)
    again = preprocessor(batch, training=True)
    hub.update_info('iter', 6)
    other = preprocessor(batch, training=True)
    inputs = first['inputs']
    assert inputs.shape == (6, 3, 64, 64) and inputs.is_contiguous()  # channels-last only on CUDA
    assert -3 < inputs.mean().item() < 3 and inputs.std().item() > 0.3  # normalised, not raw 0-255
    labels = first['data_samples'][0].gt_instance_labels
    assert labels.keypoint_labels.shape == (6, 98, 2) and labels.keypoint_weights.shape == (6, 98)
    assert first['data_samples'][0].img_path[0].endswith('.jpg')
    torch.testing.assert_close(inputs, again['inputs'])  # same seed and iteration: same draw (resume is exact)
    assert not torch.equal(inputs, other['inputs'])

    reference_batch = dict(inputs=[torch.zeros(3, 64, 64, dtype=torch.uint8)], data_samples=[None])
    assert preprocessor(reference_batch)['inputs'].shape == (1, 3, 64, 64)  # validation batches pass through

    too_strong = FastPoseDataPreprocessor(input_size=(64, 64), augment=dict(PUBLISHED_AUGMENT, shift_factor=0.3))
    with pytest.raises(ValueError, match='does not cover this augmentation'):
        too_strong(batch, training=True)


def _runner(work_dir, cache_dir, **options):
    from mmengine.runner import Runner

    from mmpose_face.apis import prepare_train_config
    cfg = prepare_train_config(TINY_FAST_CONFIG, str(work_dir), cfg_options={
        'train_dataloader.dataset.cache_dir': str(cache_dir), 'train_cfg.max_epochs': 1,
        'default_hooks.logger.interval': 50, **options})
    return Runner.from_cfg(cfg)


def test_losses_are_logged_every_step_but_read_at_the_interval(tmp_path):
    runner = _runner(tmp_path / 'run', tmp_path / 'cache', val_cfg=None, val_dataloader=None,
                     val_evaluator=None, **{'default_hooks.checkpoint.save_best': None})
    runner.train()
    assert len(runner.message_hub.get_scalar('train/loss').data[0]) == 2  # both steps of the epoch
    assert runner.train_loop.sync_interval == 50 and runner.train_loop._pending == []
    assert osp.isfile(osp.join(runner.work_dir, 'epoch_1.pth'))


def test_a_nan_loss_stops_training_before_the_checkpoint(tmp_path):
    from mmpose_face.models.pose_estimator import NonFiniteLossError
    runner = _runner(tmp_path / 'run', tmp_path / 'cache', val_cfg=None, val_dataloader=None,
                     val_evaluator=None, **{'default_hooks.checkpoint.save_best': None,
                                            'model.head.loss.loss_weight': float('nan')})
    with pytest.raises(NonFiniteLossError, match='iteration 0'):
        runner.train()
    assert not [name for name in os.listdir(runner.work_dir) if name.endswith('.pth')]


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


def test_cpu_host_warp_like_the_batched_accelerator_path(cached_256):
    preprocessor = FastPoseDataPreprocessor(input_size=(256, 256), augment=PUBLISHED_AUGMENT, bgr_to_rgb=True)
    cache = preprocessor._device_cache(cached_256.cache_dir)
    augmentor = preprocessor.augmentor
    faces = [0, 1, 2, 3, 1, 0]
    params = augmentor.sample(len(faces), torch.Generator().manual_seed(1), 'cpu')
    params.rotation[0], params.scale[0], params.shift[0] = 60., 1.25, torch.tensor([0.16, -0.16])  # widest
    index = torch.tensor(faces)
    matrices = augmentor.warp_matrices(params, cache.center[index], cache.box_scale[index])
    host = preprocessor._warp_on_host(cache, faces, matrices)
    batched = preprocessor._warp_batched(cache, index, matrices)
    # cv2 rounds sample positions to 1/32 pixel and outputs uint8: within a grey level or two
    assert (host - batched).abs().max() <= 3 and (host - batched).abs().mean() < 0.5


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
        CachedFaceDataset(wflw_dataset(str(data_root)), input_size=(64, 64), cache_dir=str(tmp_path / 'cache'),
                          num_threads=1)
    (cache_dir, ) = os.listdir(tmp_path / 'cache')
    assert os.listdir(tmp_path / 'cache' / cache_dir) == []
