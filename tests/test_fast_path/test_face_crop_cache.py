"""A face crop cache is checked when it is opened (``fast_path/face_crop_cache.py``): a ``faces.npz``
without an array, or arrays and crops of the wrong shape, end in one FaceCropCacheError naming the
folder and the array instead of a KeyError or crops used silently."""
import json
import os.path as osp

import numpy as np
import pytest

from mmpose_face.errors import FaceCropCacheError
from mmpose_face.fast_path.face_crop_cache import (
    CropCacheSettings, FaceCropCache, covered_half_side, lossless_crop_size, rotated_half_extent,
)
from mmpose_face.fast_path import CachedFaceDataset
from mmpose_face.fast_path.batch_topdown_augmentor import AugmentParameters
from fast_path_samples import cached_256, wflw_dataset

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
IMAGE = osp.join(REPO, 'tests', 'data', '36_Football_americanfootball_ball_36_415.jpg')


@pytest.fixture
def cache_dir(tmp_path):
    """Two faces of one photograph, cached as crops of at most 16 pixels."""
    keypoints = np.array([[[500., 300.], [520., 310.]], [[200., 200.], [230., 215.]]])
    faces = dict(img_path=np.array([IMAGE, IMAGE]), center=np.array([[510., 305.], [215., 207.]]),
                 box_scale=np.array([[60., 60.], [80., 80.]]), keypoints=keypoints,
                 keypoints_visible=np.ones((2, 2)), flip_indices=np.array([1, 0]), dataset_index=np.arange(2))
    FaceCropCache.build_or_open(str(tmp_path), faces, CropCacheSettings(input_size=(16, 16), padding=1.25, crop_size=16),
                                num_threads=1, progress=False)
    return tmp_path


def rewrite_faces(directory, change):
    path = directory / FaceCropCache.FACES
    with np.load(path) as saved:
        arrays = {name: saved[name] for name in saved.files}
    change(arrays)
    with open(path, 'wb') as f:
        np.savez(f, **arrays)


def test_an_intact_cache_opens(cache_dir):
    assert len(FaceCropCache(str(cache_dir))) == 2


@pytest.mark.parametrize('change, reason', [
    (lambda a: a.pop('center'), 'faces.npz has no "center"'),
    (lambda a: a.update(center=a['center'][:, :1]), '"center" has shape (2, 1) and type float32, expected (2, 2)'),
    (lambda a: a.update(keypoints_visible=a['keypoints_visible'][:1]), '"keypoints_visible" has shape (1, 2)'),
    (lambda a: a.update(pixel_size=np.array(['a', 'b'])), '"pixel_size" has shape (2,) and type <U1'),
])
def test_a_faces_file_without_an_array_or_with_a_mis_shaped_one_is_refused(cache_dir, change, reason):
    rewrite_faces(cache_dir, change)
    with pytest.raises(FaceCropCacheError) as refused:
        FaceCropCache(str(cache_dir))
    assert str(refused.value).startswith(f'{cache_dir}: ') and reason in str(refused.value)


def test_mis_shaped_crops_are_refused(cache_dir):
    crops = np.load(cache_dir / FaceCropCache.CROPS)
    np.save(cache_dir / FaceCropCache.CROPS, crops.reshape(-1, 3))
    with pytest.raises(FaceCropCacheError, match=r'crops.npy holds uint8 crops of shape \(\d+, 3\), '
                                                 'expected one flat uint8 array of all crops'):
        FaceCropCache(str(cache_dir))
    np.save(cache_dir / FaceCropCache.CROPS, crops[:-3])
    with pytest.raises(FaceCropCacheError, match=f'{crops.size - 3} bytes of crops for 2 faces of {crops.size} bytes'):
        FaceCropCache(str(cache_dir))


def test_crop_offsets_that_do_not_tile_the_crops_are_refused(cache_dir):
    rewrite_faces(cache_dir, lambda a: a.update(crop_offset=a['crop_offset'][::-1].copy()))
    with pytest.raises(FaceCropCacheError, match='do not lay the crops one after the other'):
        FaceCropCache(str(cache_dir))


def test_a_key_without_the_face_count_is_refused(cache_dir):
    key = json.loads((cache_dir / FaceCropCache.KEY).read_text())
    del key['num_faces']
    (cache_dir / FaceCropCache.KEY).write_text(json.dumps(key))
    with pytest.raises(FaceCropCacheError, match='key.json has no "num_faces"'):
        FaceCropCache(str(cache_dir))


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
