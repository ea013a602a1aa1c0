# mmpose's RTMPose WFLW recipe (rtmpose-m_8xb64-60e_wflw-256x256) made tiny for tests on the CPU:
# CSPNeXt (mmdet scope) at deepen 0.167 / widen 0.125 from scratch, a small RTMCCHead (2x2
# features, GAU 32 wide), SimCCLabel on 64x64 crops (sigma 5.66 scaled by 64 / 256), the
# recipe's train pipeline (YOLOX HSV, then PhotometricDistortion in place of the Albumentation
# step, which needs the optional albumentations: the tests add it where it is installed),
# EMAHook with ExpMomentumEMA and mmdet.PipelineSwitchHook at epoch 1 (0-based: the second).
# Reference path; the fast-path tests make its twin with to_fast_path_config.
_base_ = ['../../configs/_base_/default_runtime.py']

input_size = (64, 64)
codec = dict(type='SimCCLabel', input_size=input_size, sigma=(1.415, 1.415), simcc_split_ratio=2.0,
             normalize=False, use_dark=False)
model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(_scope_='mmdet', type='CSPNeXt', arch='P5', expand_ratio=0.5, deepen_factor=0.167,
                  widen_factor=0.125, out_indices=(4, ), channel_attention=True, norm_cfg=dict(type='SyncBN'),
                  act_cfg=dict(type='SiLU'), init_cfg=None),
    head=dict(
        type='RTMCCHead', in_channels=128, out_channels=98, input_size=input_size,
        in_featuremap_size=tuple(s // 32 for s in input_size), simcc_split_ratio=codec['simcc_split_ratio'],
        final_layer_kernel_size=7,
        gau_cfg=dict(hidden_dims=32, s=16, expansion_factor=2, dropout_rate=0., drop_path=0., act_fn='SiLU',
                     use_rel_bias=False, pos_enc=False),
        loss=dict(type='KLDiscretLoss', use_target_weight=True, beta=10., label_softmax=True),
        decoder=codec),
    test_cfg=dict(flip_test=True))

data_root = 'tests/data/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', scale_factor=[0.6, 1.4], rotate_factor=80),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(type='PhotometricDistortion'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_pipeline_stage2 = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_factor=0., scale_factor=[0.75, 1.25], rotate_factor=60),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='mmdet.YOLOXHSVRandomAug'),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=input_size),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False, sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='WFLWDataset', data_root=data_root, data_mode='topdown', ann_file='test_wflw.json',
                 data_prefix=dict(img=''), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2, num_workers=0, persistent_workers=False, drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(type='WFLWDataset', data_root=data_root, data_mode='topdown', ann_file='test_wflw.json',
                 data_prefix=dict(img=''), test_mode=True, pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='NME', norm_mode='keypoint_distance')
test_evaluator = val_evaluator

train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=2)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=4e-3, weight_decay=0.05),
                     paramwise_cfg=dict(norm_decay_mult=0, bias_decay_mult=0, bypass_duplicate=True))
param_scheduler = [dict(type='LinearLR', start_factor=1.0e-5, by_epoch=False, begin=0, end=2)]
custom_hooks = [
    dict(type='SyncBuffersHook'),  # the base runtime's, then the recipe's
    dict(type='RandomStateCheckpointHook'),
    dict(type='TrainingDataRecordHook'),
    dict(type='EMAHook', ema_type='ExpMomentumEMA', momentum=0.0002, update_buffers=True, priority=49),
    dict(type='mmdet.PipelineSwitchHook', switch_epoch=1, switch_pipeline=train_pipeline_stage2)
]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=1))
randomness = dict(seed=0, deterministic=True)
