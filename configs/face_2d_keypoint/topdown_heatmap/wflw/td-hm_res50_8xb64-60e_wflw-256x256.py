# SimpleBaseline (heatmap regression) with a ResNet-50 on WFLW, 256x256 crops: three
# deconvolutions to 64x64 heatmaps (mmpose's HeatmapHead defaults), MSRA Gaussians of sigma 2,
# arg-max decoding with the quarter-pixel step. The schedule, augmentation and test settings
# are those of mmpose's td-hm_hrnetv2-w18_8xb64-60e_wflw-256x256 (Adam 2e-3, 60 epochs, flip
# test with heatmap shift); the backbone is the DeepPose config's ResNet-50, and the head is
# that of mmpose's td-hm_res50 COCO configs. mmpose publishes no WFLW figures for this pair.
# keypoint_scores: each heatmap's maximum.
_base_ = ['../../topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py']

# runtime, optimizer (Adam) and learning policy
train_cfg = dict(max_epochs=60, val_interval=1)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),  # warm-up
    dict(type='MultiStepLR', begin=0, end=60, milestones=[40, 55], gamma=0.1, by_epoch=True)
]

# codec settings
codec = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

# model settings
model = dict(
    neck=None,
    head=dict(_delete_=True, type='HeatmapHead', in_channels=2048, out_channels=98,
              loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=codec),
    test_cfg=dict(_delete_=True, flip_test=True, flip_mode='heatmap', shift_heatmap=True))

# pipelines (the validation pipeline is the DeepPose config's: the crops are 256 x 256 there too)
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', shift_prob=0, rotate_factor=60, scale_factor=(0.75, 1.25)),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
