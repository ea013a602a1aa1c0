"""The fast path reads a train pipeline by the batch stage each step declares.

Steps are taken by their declared ``batch_stage``
(``mmpose_face/datasets/transforms/batch_stage.py``), not by exact type:
subclasses and new steps that declare a stage work; photometric steps
(``PhotometricDistortion``, ``Albumentation``) run on each warped crop on
the host with the draws the reference pipeline makes for the same seed; the
crop cache's margins come from the jitter step's own ``jitter_bounds()``.
"""
import numpy as np
import pytest
import torch
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope

from mmpose_face.datasets import WFLWDataset
from mmpose_face.datasets.transforms import PackPoseInputs, PhotometricDistortion, RandomBBoxTransform, RandomFlip
from mmpose_face.errors import FastPathPipelineError
from mmpose_face.fast_path import AugmentedFaceBatch, BatchTopdownAugmentor, CachedFaceDataset, FaceBatch
from mmpose_face.registry import TRANSFORMS
from reference_sample import fast_sample, reference_sample
from fast_path_samples import DATA, published_pipeline, wflw_dataset

INPUT_SIZE = (64, 64)
# grey levels (0-255) per face: the fast path's crop (two resamplings: at 64 px the test faces are
# cached downsampled) against the reference's (one) is off by 0.8-1.9 before the per-crop steps; after them
# the difference may grow by a factor (contrast up to 1.5 twice) and a little rounding
PER_CROP_GAIN, PER_CROP_ROUNDING = 1.5, 0.5


def warped_by_the_fast_path(cached, index, params) -> np.ndarray:
    """The fast path's (h, w, 3) crop of cache row ``index`` before the per-crop steps."""
    steps, cached.augmentor.per_crop_steps = cached.augmentor.per_crop_steps, ()
    try:
        return cached.augment(np.array([index]), params).inputs[0].permute(1, 2, 0).numpy().astype(np.float32)
    finally:
        cached.augmentor.per_crop_steps = steps


def within_the_warps_difference(fast_image, reference, warped) -> bool:
    """Whether the fast path's image is as close to the reference's as their warps allow."""
    warp_difference = np.abs(warped - reference['warped_img']).mean()
    return np.abs(fast_image - reference['img']).mean() <= PER_CROP_GAIN * warp_difference + PER_CROP_ROUNDING


def pipeline_with(per_crop_steps=(), before_warp=(), **changes) -> list:
    """The published train pipeline at 64x64 (changed as ``published_pipeline`` changes it),
    steps inserted after (or before) TopdownAffine."""
    pipeline = published_pipeline(INPUT_SIZE, **changes)
    warp = next(i for i, step in enumerate(pipeline) if step['type'] == 'TopdownAffine')
    return pipeline[:warp] + list(before_warp) + [pipeline[warp]] + list(per_crop_steps) + pipeline[warp + 1:]


def cached_faces(tmp_path, pipeline, **options) -> CachedFaceDataset:
    init_default_scope('mmpose_face')
    dataset = WFLWDataset(ann_file='test_wflw.json', data_root=DATA, data_prefix=dict(img=''), pipeline=pipeline)
    return CachedFaceDataset(dataset, cache_dir=str(tmp_path), num_threads=1, **options)


def steps_of(pipeline) -> list:
    init_default_scope('mmpose_face')
    return Compose(pipeline).transforms


@TRANSFORMS.register_module(force=True)
class RecordedPhotometricDistortion(PhotometricDistortion):
    """PhotometricDistortion (a subclass: accepted by its inherited stage) that keeps its draws."""

    draws = []

    def draw_parameters(self) -> dict:
        drawn = super().draw_parameters()
        self.draws.append({name: np.asarray(value).tolist() for name, value in drawn.items()})
        return drawn


def test_photometric_distortion_runs_per_crop_with_the_reference_pipelines_draws(tmp_path):
    cached = cached_faces(tmp_path, pipeline_with([dict(type='RecordedPhotometricDistortion')]))
    assert cached.warp_on_host  # per-crop steps run on the host, after the warp
    assert [type(step).__name__ for step in cached.augmentor.per_crop_steps] == ['RecordedPhotometricDistortion']
    draws, close, other_draw, changed = RecordedPhotometricDistortion.draws, [], [], 0
    for seed in range(12):
        index = seed % 4
        del draws[:]
        reference, drawn_by_reference = reference_sample(cached.dataset, index, seed)
        random_state = np.random.RandomState(seed)  # what __getitems__ draws from for FaceBatch((index,), seed)
        params = cached.augmentor.sample(1, random_state)
        image, labels, _ = fast_sample(cached, index, params, on_device=False, random_state=random_state)
        assert draws[0] == draws[1], seed  # the very same photometric draw, after the same geometry
        np.testing.assert_array_equal(params.flip, drawn_by_reference.flip)
        np.testing.assert_allclose(labels, reference['keypoint_labels'][0], atol=1e-4)
        close.append(within_the_warps_difference(image, reference, warped_by_the_fast_path(cached, index, params)))
        changed += int(np.abs(reference['img'].astype(float) - reference['warped_img']).mean() > 5)
        another = fast_sample(cached, index, params, on_device=False, random_state=np.random.RandomState(seed + 100))
        other_draw.append(np.abs(another[0] - reference['img']).mean())
    assert changed >= 6  # the distortion did something to most crops
    assert all(close), close
    assert np.median(other_draw) > 10, other_draw  # another draw is far from it


def test_a_batch_draws_its_geometry_then_each_crops_steps_and_leaves_numpys_state_alone(tmp_path):
    cached = cached_faces(tmp_path, pipeline_with([dict(type='PhotometricDistortion')]))
    np.random.seed(123)
    state = np.random.get_state()
    batch = cached.__getitems__(FaceBatch(rows=(0, 1, 2, 3, 0, 1, 2, 3), seed=5))
    assert isinstance(batch, AugmentedFaceBatch) and len(batch) == 8
    after = np.random.get_state()
    assert all(np.array_equal(a, b) for a, b in zip(state, after))  # the global generator is untouched
    again = cached.__getitems__(FaceBatch(rows=(0, 1, 2, 3, 0, 1, 2, 3), seed=5))
    assert np.array_equal(batch.inputs.numpy(), again.inputs.numpy())  # the seed decides everything
    # the same geometry without the distortion: the crops differ only by their photometric draws
    plain = cached_faces(tmp_path / 'plain', pipeline_with())
    undistorted = plain.__getitems__(FaceBatch(rows=(0, 1, 2, 3, 0, 1, 2, 3), seed=5))
    np.testing.assert_array_equal(undistorted.warp_matrices.numpy(), batch.warp_matrices.numpy())
    per_face = np.abs(batch.inputs.numpy().astype(float) - undistorted.inputs.numpy()).mean(axis=(1, 2, 3))
    assert (per_face > 5).sum() >= 4 and len(set(np.round(per_face, 3))) == 8  # each face its own draw


def test_albumentation_runs_per_crop_drawing_from_its_own_generators(tmp_path):
    pytest.importorskip('albumentations')
    albumentation = dict(type='Albumentation', transforms=[dict(type='InvertImg', p=0.5),
                                                          dict(type='ChannelShuffle', p=0.5)])
    cached = cached_faces(tmp_path, pipeline_with([albumentation]))
    (step, ) = cached.augmentor.per_crop_steps
    close, inverted = [], 0
    for seed in range(8):
        index = seed % 4
        step.aug.set_random_seed(seed)  # albumentations 2 draws from Compose's generators, not numpy's
        reference, params = reference_sample(cached.dataset, index, seed)
        step.aug.set_random_seed(seed)
        image, _, _ = fast_sample(cached, index, params, on_device=False)
        close.append(within_the_warps_difference(image, reference, warped_by_the_fast_path(cached, index, params)))
        inverted += int(np.abs(reference['img'].astype(float) - reference['warped_img']).mean() > 50)
    assert 0 < inverted < 8
    assert all(close), close


def test_steps_are_taken_by_their_declared_stage_not_their_exact_type():
    @TRANSFORMS.register_module(force=True)
    class MildBBoxTransform(RandomBBoxTransform):
        def __init__(self):
            super().__init__(shift_factor=0.05, scale_factor=(0.9, 1.1), rotate_factor=10.)

    @TRANSFORMS.register_module(force=True)
    class RandomGreyscale:  # a new step that says how it batches
        batch_stage = 'per_crop'

        def __call__(self, results):
            results['img'] = np.repeat(results['img'].mean(axis=2, keepdims=True), 3, axis=2).astype(np.uint8)
            return results

    augmentor = BatchTopdownAugmentor.from_pipeline(steps_of(pipeline_with(
        [dict(type='RandomGreyscale'), dict(type='PhotometricDistortion')],
        RandomBBoxTransform=dict(type='MildBBoxTransform'))))
    assert type(augmentor.jitter).__name__ == 'MildBBoxTransform'
    assert augmentor.jitter_bounds == dict(max_shift=0.05, scale_range=(0.9, 1.1), max_rotation=10.)
    assert [type(step).__name__ for step in augmentor.per_crop_steps] == ['RandomGreyscale', 'PhotometricDistortion']

    @TRANSFORMS.register_module(force=True)
    class VerticalJitter(RandomBBoxTransform):  # draws otherwise, says nothing about its batch form
        def transform(self, results):
            return super().transform(results)

    with pytest.raises(FastPathPipelineError, match=r'step 3 \(VerticalJitter\) re-defines VerticalJitter.transform '
                                                    r"but inherits batch_stage 'box_jitter'"):
        BatchTopdownAugmentor.from_pipeline(steps_of(pipeline_with(RandomBBoxTransform=dict(type='VerticalJitter'))))
    VerticalJitter.batch_stage = 'box_jitter'  # its promise: sample_parameters still draws what transform does
    BatchTopdownAugmentor.from_pipeline(steps_of(pipeline_with(RandomBBoxTransform=dict(type='VerticalJitter'))))

    with pytest.raises(FastPathPipelineError, match=r"step 4 \(PhotometricDistortion\) is out of the order.*"
                                                    r"stage 'per_crop' before 'warp'"):
        BatchTopdownAugmentor.from_pipeline(steps_of(pipeline_with(before_warp=[dict(type='PhotometricDistortion')])))

    @TRANSFORMS.register_module(force=True)
    class HalfDeclared:
        batch_stage = 'flip'

        def __call__(self, results):
            return results

    with pytest.raises(FastPathPipelineError, match=r"HalfDeclared\) declares batch_stage 'flip' but has no "
                                                    r"\['sample_batch'\]"):
        BatchTopdownAugmentor.from_pipeline(steps_of(pipeline_with(RandomFlip=dict(type='HalfDeclared'))))


def test_per_crop_steps_cannot_run_on_the_device(tmp_path):
    with pytest.raises(ValueError, match=r"warp='device'.*\['PhotometricDistortion'\] run on each warped crop"):
        cached_faces(tmp_path, pipeline_with([dict(type='PhotometricDistortion')]), warp='device')


def test_the_cache_covers_what_the_pipelines_jitter_step_draws(tmp_path):
    published = RandomBBoxTransform(shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25), rotate_factor=60)
    assert published.jitter_bounds() == dict(max_shift=0.16, scale_range=(0.75, 1.25), max_rotation=60.)
    never_shifted = RandomBBoxTransform(shift_factor=0.16, shift_prob=0., scale_factor=(1.1, 1.3), scale_prob=0.5,
                                        rotate_factor=60, rotate_prob=0.)
    # a factor never applied needs no margin; one applied with probability 1/2 may also be the identity
    assert never_shifted.jitter_bounds() == dict(max_shift=0., scale_range=(1., 1.3), max_rotation=0.)
    full = cached_faces(tmp_path / 'full', pipeline_with())
    unshifted = cached_faces(tmp_path / 'unshifted', pipeline_with(RandomBBoxTransform=dict(shift_prob=0.)))
    assert unshifted.settings.max_shift == 0. and unshifted.cache.crop_size < full.cache.crop_size
    no_jitter = [step for step in pipeline_with() if step['type'] != 'RandomBBoxTransform']
    assert cached_faces(tmp_path / 'none', no_jitter).settings.scale_range == (1., 1.)


def test_random_flip_draws_a_batch_as_it_draws_one_face():
    for prob in (0.5, [0.5]):
        flip = RandomFlip(prob=prob)
        np.random.seed(4)
        one_by_one = [flip.flip_drawn() for _ in range(20)]
        assert flip.sample_batch(20, np.random.RandomState(4)).tolist() == one_by_one


def test_at_source_pixels_the_photometric_fast_path_is_the_reference_bit_for_bit(tmp_path):
    """At 256 px the test faces are cached at source pixels: the host warp is TopdownAffine's, so
    with the same draws the distorted crop is the reference pipeline's, pixel for pixel."""
    pipeline = published_pipeline((256, 256))
    warp = next(i for i, step in enumerate(pipeline) if step['type'] == 'TopdownAffine')
    cached = cached_faces(tmp_path, pipeline[:warp + 1] + [dict(type='PhotometricDistortion')] + pipeline[warp + 1:])
    assert (cached.cache.faces['pixel_size'] == 1).all()
    flips = distorted = 0
    for seed in range(8):
        reference, _ = reference_sample(cached.dataset, seed % 4, seed)
        random_state = np.random.RandomState(seed)
        params = cached.augmentor.sample(1, random_state)
        image, _, _ = fast_sample(cached, seed % 4, params, on_device=False, random_state=random_state)
        np.testing.assert_array_equal(image, reference['img'])
        flips += int(params.flip[0])
        distorted += int(not np.array_equal(reference['img'], reference['warped_img']))
    assert 0 < flips < 8 and distorted >= 4


def test_a_batch_pins_every_tensor_for_the_loader(tmp_path, monkeypatch):
    """``DataLoader(pin_memory=True)`` calls ``pin_memory()`` on what the dataset gives: every
    tensor of the batch is pinned (here: marked, as the test machine may have no CUDA)."""
    batch = cached_faces(tmp_path, pipeline_with()).__getitems__(FaceBatch(rows=(0, 1), seed=0))
    pinned = []
    monkeypatch.setattr(torch.Tensor, 'pin_memory', lambda tensor: pinned.append(tensor.shape) or tensor.clone())
    copy = batch.pin_memory()
    assert len(pinned) == 6 and copy.img_path == batch.img_path  # face_index ... flip, inputs
    assert torch.equal(copy.inputs, batch.inputs) and copy.inputs is not batch.inputs
    assert len(batch.without_inputs().pin_memory().img_path) == 2 and len(pinned) == 11


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
