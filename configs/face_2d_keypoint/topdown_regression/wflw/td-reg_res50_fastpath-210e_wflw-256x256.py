# The fast path of the published DeepPose ResNet-50 WFLW recipe
# (td-reg_res50_8xb64-210e_wflw-256x256.py): the same augmentation, loss,
# optimiser and 210-epoch schedule, on ONE GPU in minutes.
#
# What changes (see docs/benchmarks.md):
# - each face is decoded and cropped once into a cache (CachedFaceDataset,
#   <data_root>/cache/), and the train augmentation (flip, shift, scale,
#   rotation) runs in batches on the GPU (FastPoseDataPreprocessor) with the
#   published distributions;
# - bf16 autocast (AutocastOptimWrapper, no loss scaler) and channels-last;
#   losses are read back every log interval, not every step
#   (FastEpochBasedTrainLoop);
# - one GPU x 512 faces = the published 8 GPUs x 64: the same effective
#   batch, so lr 5e-4, the 500-iteration warm-up and the epoch milestones stay
#   (auto_scale_lr.base_batch_size is 512). Under dist_train.sh with N GPUs,
#   set train_dataloader.batch_size=512/N to keep it; each rank caches only
#   its shard of the faces;
# - a checkpoint every 10 epochs (with validation) instead of every epoch.
# Validation and testing use the reference pipeline, unchanged.
_base_ = ['./td-reg_res50_8xb64-210e_wflw-256x256.py']

codec = dict(type='RegressionLabel', input_size=(256, 256))

# = RandomFlip + RandomBBoxTransform of the published train_pipeline
# (tests/test_datasets/test_fast_path.py checks that they agree)
fast_augment = dict(flip_prob=0.5, shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25),
                    scale_prob=1.0, rotate_factor=60., rotate_prob=0.6)

train_cfg = dict(_delete_=True, type='FastEpochBasedTrainLoop', max_epochs=210, val_interval=10)
optim_wrapper = dict(type='AutocastOptimWrapper', dtype='bfloat16')
model = dict(data_preprocessor=dict(type='FastPoseDataPreprocessor', input_size=codec['input_size'],
                                    augment=fast_augment))

data_root = 'data/wflw/'
train_dataloader = dict(
    _delete_=True,
    batch_size=512,
    num_workers=0,  # items are face indices; the work happens on the GPU
    sampler=dict(type='ShardShuffleSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='CachedFaceDataset',
        dataset=dict(type='WFLWDataset', data_root=data_root, data_mode='topdown',
                     ann_file='annotations/face_landmarks_wflw_train.json',
                     data_prefix=dict(img='images/'), pipeline=[]),
        input_size=codec['input_size'],
        padding=1.25,  # GetBBoxCenterScale
        shift_factor=fast_augment['shift_factor'],
        scale_factor=fast_augment['scale_factor'],
        rotate_factor=fast_augment['rotate_factor'],
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
