"""A reference-path config turned into its fast-path twin, changing only what the fast path changes.

The ``*_fastpath-*`` configs are written out by hand; this does the same to
any config (the learning benchmark and its test train one config both ways).
"""
import copy

from mmengine.config import Config


def to_fast_path_config(cfg: Config, cache_dir: str = None, warp: str = 'auto', num_workers: int = 2,
                        batch_size: int = None, crop_size='lossless') -> Config:
    """The fast-path twin of ``cfg``: the loader (``CachedFaceDataset`` over the
    configured training set, pipeline included, ``FaceBatchSampler``), the loop
    (``FastEpochBasedTrainLoop``, same epochs and validation interval), the
    preprocessor's type and the model's per-step finite-loss check (off, the
    loop checks); optionally the batch. Precision is left as ``cfg`` has it."""
    fast = copy.deepcopy(cfg)
    loader = cfg.train_dataloader
    fast.train_dataloader = dict(
        batch_size=batch_size or loader.batch_size, num_workers=num_workers, persistent_workers=num_workers > 0,
        pin_memory=warp != 'host', sampler=dict(type='ShardShuffleSampler', shuffle=True),
        batch_sampler=dict(type='FaceBatchSampler'), collate_fn=dict(type='mmpose_face.face_batch_collate'),
        dataset=dict(type='CachedFaceDataset', dataset=copy.deepcopy(loader.dataset), crop_size=crop_size,
                     cache_dir=cache_dir, warp=warp))
    loop = {key: value for key, value in cfg.train_cfg.items() if key in ('max_epochs', 'val_begin', 'val_interval')}
    fast.train_cfg = dict(type='FastEpochBasedTrainLoop', **loop)
    fast.model.data_preprocessor.type = 'FastPoseDataPreprocessor'
    fast.model.train_cfg = dict(cfg.model.get('train_cfg') or {}, check_finite_loss_every_step=False)
    return fast
