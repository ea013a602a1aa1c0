"""CachedFaceDataset: its crop cache reused or rebuilt as the data and settings change, one shard per
rank, an unreadable photograph named."""
import json
import os
import os.path as osp
import shutil

import pytest

from mmpose_face.fast_path import CachedFaceDataset, FaceCropCache, ShardShuffleSampler
from mmpose_face.fast_path import cached_face_dataset as cached_face_dataset_module

from fast_path_samples import DATA, wflw_dataset


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
