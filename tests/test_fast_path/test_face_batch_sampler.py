"""FaceBatchSampler: batch seeds are the sampler's explicit state; loader workers deliver the same batches."""
import torch

from mmpose_face.fast_path import FaceBatchSampler, ShardShuffleSampler, face_batch_collate
from mmpose_face.fast_path import face_batch_sampler as face_batch_sampler_module

from fast_path_samples import fast_batches


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
