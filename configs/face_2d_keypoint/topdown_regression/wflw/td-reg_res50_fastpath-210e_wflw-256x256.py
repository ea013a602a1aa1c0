# The fast path of the published DeepPose ResNet-50 WFLW recipe
# (td-reg_res50_8xb64-210e_wflw-256x256.py): the same train_pipeline, loss,
# optimiser and 210-epoch schedule, on ONE GPU in minutes.
#
# What changes (see docs/benchmarks.md), and only this:
# - the loader: each face is decoded and cropped once into a cache
#   (CachedFaceDataset, <data_root>/cache/) and the published train_pipeline,
#   read from the wrapped data set, is reproduced on whole batches: loader
#   workers draw the augmentation, the GPU warps the cached crops
#   (FastPoseDataPreprocessor); a step it cannot reproduce is refused by name;
# - the loop: losses are read back every log interval, not every step
#   (FastEpochBasedTrainLoop), so the model's per-step finite-loss check is off;
# - precision: bf16 autocast (AutocastOptimWrapper, no loss scaler) and channels-last;
# - the batch: one GPU x 512 faces = the published 8 GPUs x 64: the same
#   effective batch, so lr 5e-4, the 500-iteration warm-up and the epoch
#   milestones stay (auto_scale_lr.base_batch_size is 512). Under
#   dist_train.sh with N GPUs, set train_dataloader.batch_size=512/N; each
#   rank caches only its shard of the faces;
# - a checkpoint every 10 epochs (with validation) instead of every epoch.
# Validation and testing use the reference pipeline, unchanged.
_base_ = ['./td-reg_res50_8xb64-210e_wflw-256x256.py']

train_cfg = dict(_delete_=True, type='FastEpochBasedTrainLoop', max_epochs=210, val_interval=10)
optim_wrapper = dict(type='AutocastOptimWrapper', dtype='bfloat16')
model = dict(data_preprocessor=dict(type='FastPoseDataPreprocessor'),
             train_cfg=dict(check_finite_loss_every_step=False))  # the loop checks at its read-backs

train_dataloader = dict(
    _delete_=True,
    batch_size=512,
    num_workers=2,  # they draw the augmentation and the warp matrices; the GPU warps
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='ShardShuffleSampler', shuffle=True),
    batch_sampler=dict(type='FaceBatchSampler'),
    collate_fn=dict(type='mmpose_face.face_batch_collate'),  # the scope prefix: mmengine looks it up in its root registry
    dataset=dict(
        type='CachedFaceDataset',
        dataset={{_base_.train_dataloader.dataset}},
        crop_size='lossless',  # 716 px here: 1.54 MB per face; 512 halves it (see face_crop_cache.py)
    ))
val_dataloader = dict(num_workers=8)
test_dataloader = val_dataloader

default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
env_cfg = dict(cudnn_benchmark=True)
# dist_train.sh: channels-last before DDP builds its gradient buckets (the scope prefix:
# mmengine looks the wrapper type up in its root registry)
model_wrapper_cfg = dict(type='mmpose_face.ChannelsLastDistributedDataParallel', broadcast_buffers=False,
                         find_unused_parameters=False)
