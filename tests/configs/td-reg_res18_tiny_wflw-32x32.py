# The smallest training config, for the fault-tolerance tests (resume, full disk, NaN, bad data):
# the 64x64 test config at 32x32 without flip test, 3 epochs of 2 iterations
# with a checkpoint and a validation every epoch, and LR x0.1 from the third epoch. The ResNet-18 is
# a quarter as wide (16 stem and base channels): a training checkpoint takes 9 MB instead of 135 MB.
_base_ = ['./td-reg_res18_tiny_wflw-64x64.py']

codec = dict(type='RegressionLabel', input_size=(32, 32))
model = dict(backbone=dict(stem_channels=16, base_channels=16), head=dict(in_channels=128, decoder=codec),
             test_cfg=dict(flip_test=False))

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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=3, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=3, start_factor=0.1, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=3, milestones=[2], gamma=0.1, by_epoch=True),
]
