# The quick start's model: DeepPose ResNet-18 from scratch on the synthetic
# WFLW set that `make demo` draws (tools/dataset_converters/make_synthetic_wflw.py),
# 64x64 crops, the published augmentation, Soft Wing loss. Trains on 2 CPU
# cores in minutes; the test report includes the mean-shape baseline.
_base_ = ['./td-reg_res50_softwingloss_8xb64-210e_wflw-256x256.py']

train_cfg = dict(max_epochs=12, val_interval=4)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=12, milestones=[9, 11], gamma=0.1, by_epoch=True)
]
auto_scale_lr = dict(base_batch_size=32)

codec = dict(type='RegressionLabel', input_size=(64, 64))
model = dict(
    # from scratch with ResNet's own default initialisation (Kaiming convs, unit BN),
    # as mmpose's ResNet gives it; init_cfg=None would mean PyTorch's layer defaults
    backbone=dict(depth=18, init_cfg=[dict(type='Kaiming', layer=['Conv2d']),
                                      dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])]),
    head=dict(in_channels=512, decoder=codec))

data_root = 'data/synthetic_wflw/'
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
# On 2 cores, loading in the main process beats worker processes that compete
# with the training threads for the same cores.
train_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    # synthetic=True goes into every checkpoint's meta (TrainingDataRecordHook):
    # the demo and the inferencer warn when this model is used on photographs.
    dataset=dict(data_root=data_root, pipeline=train_pipeline,
                 metainfo=dict(from_file='configs/_base_/datasets/wflw.py', synthetic=True)))
val_dataloader = dict(
    batch_size=64, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = val_dataloader

default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=4, max_keep_ckpts=1))
val_evaluator = dict(
    type='NME', norm_mode='keypoint_distance', failure_rate_and_auc=True,
    baseline_ann_file=data_root + 'annotations/face_landmarks_wflw_train.json')
test_evaluator = val_evaluator
randomness = dict(seed=0)
