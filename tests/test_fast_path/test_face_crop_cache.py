"""A face crop cache is checked when it is opened (``fast_path/face_crop_cache.py``): a ``faces.npz``
without an array, or arrays and crops of the wrong shape, end in one FaceCropCacheError naming the
folder and the array instead of a KeyError or crops used silently."""
import json
import os.path as osp

import numpy as np
import pytest

from mmpose_face.errors import FaceCropCacheError
from mmpose_face.fast_path.face_crop_cache import CropCacheSettings, FaceCropCache

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
