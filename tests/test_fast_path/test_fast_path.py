"""The fast training path: cached crops augmented in batches equal the reference pipeline.

For the SAME sampled flip, shift, scale and rotation, the fast path's input
matches ``LoadImage -> GetBBoxCenterScale -> RandomFlip ->
RandomBBoxTransform -> TopdownAffine`` (``cv2.warpAffine`` on the
photograph): bit for bit from the host warp of a face cached at source
pixels (the 4 test faces are), within 1 grey level from the device warp
(``grid_sample``) and within interpolation error from a resampled crop; the
keypoint targets and weights match ``GenerateTarget``.
"""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from mmpose_face.fast_path import CachedFaceDataset
from mmpose_face.fast_path.batch_topdown_augmentor import AugmentParameters

from reference_sample import fast_sample, reference_sample
from fast_path_samples import REPO, TINY_FAST_CONFIG, cached_256, wflw_dataset

MEAN_ABS_TOLERANCE = 0.5  # grey levels (0-255) per face, device warp against the reference (0.20-0.25)


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


def test_tiny_fast_path_training_through_tools_train(tmp_path):
    command = [sys.executable, osp.join(REPO, 'tools', 'train.py'), TINY_FAST_CONFIG, '--work-dir',
               str(tmp_path / 'work'), '--cfg-options', f'train_dataloader.dataset.cache_dir={tmp_path / "cache"}',
               'train_cfg.max_epochs=1']
    finished = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert osp.isfile(tmp_path / 'work' / 'epoch_1.pth')
    assert 'NME' in finished.stdout + finished.stderr
    assert os.listdir(tmp_path / 'cache')  # the crops were cached
