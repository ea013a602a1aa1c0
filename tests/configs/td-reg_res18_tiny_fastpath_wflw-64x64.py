# The fast path (configs/.../td-reg_res50_fastpath-210e_wflw-256x256.py) made
# tiny for tests on the CPU: ResNet-18 from scratch, 64x64, the two real WFLW
# samples in tests/data, crops warped in the main process (no loader
# workers); the cache goes to work_dirs/cache unless
# train_dataloader.dataset.cache_dir is given.
_base_ = ['../../configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res50_fastpath-210e_wflw-256x256.py']

codec = dict(type='RegressionLabel', input_size=(64, 64))
model = dict(
    backbone=dict(depth=18, init_cfg=None),
    head=dict(in_channels=512, decoder=codec))

data_root = 'tests/data/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_factor=0.16, shift_prob=0.3, scale_factor=(0.75, 1.25),
         rotate_factor=60, rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False, pin_memory=False,
    dataset=dict(
        dataset=dict(data_root=data_root, ann_file='test_wflw.json', data_prefix=dict(img=''),
                     pipeline=train_pipeline),
        cache_dir='work_dirs/cache', num_threads=1, warp='host'))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, ann_file='test_wflw.json', data_prefix=dict(img=''),
                 pipeline=val_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=2, val_interval=1)
# bf16 autocast is emulated, and slow, on CPUs without bf16 units (test_fast_path.py checks the wrapper)
optim_wrapper = dict(enabled=False)
param_scheduler = [dict(type='LinearLR', begin=0, end=2, start_factor=0.1, by_epoch=False)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1, save_best='NME', rule='less'))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0, deterministic=True)
