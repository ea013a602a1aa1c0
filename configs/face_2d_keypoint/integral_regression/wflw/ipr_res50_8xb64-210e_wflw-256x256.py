# Integral pose regression with a ResNet-50 on WFLW, 256x256 crops: three deconvolutions to
# 64x64 heatmaps, soft-argmax to coordinates. The settings of mmpose's
# ipr_res50_8xb64-210e_coco-256x256 (DSNTHead; Smooth L1 on the coordinates + MSE between the
# softmax heatmaps and normalised Gaussians of sigma 2; Adam 5e-4; flip test with heatmap shift)
# on the WFLW data and pipeline of the DeepPose config. mmpose starts from a COCO heatmap
# model; with 98 points instead of 17 its last layer does not fit, so here the backbone starts
# from ImageNet (torchvision) and the head from scratch.
# keypoint_scores: the heatmap mass within 3.5 heatmap pixels (14 crop pixels, about 0.1 of the
# inter-ocular distance) of each predicted point (``heatmap_score_radius``, ours; mmpose gives 1.0).
# mmpose publishes no WFLW figures for this head.
_base_ = ['../../topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py']

# codec settings
codec = dict(
    type='IntegralRegressionLabel',
    input_size=(256, 256),
    heatmap_size=(64, 64),
    sigma=2.0,
    normalize=True)

# model settings
model = dict(
    neck=None,
    head=dict(
        _delete_=True,
        type='DSNTHead',
        in_channels=2048,
        in_featuremap_size=(8, 8),
        num_joints=98,
        loss=dict(
            type='MultipleLossWrapper',
            losses=[
                dict(type='SmoothL1Loss', use_target_weight=True),
                dict(type='KeypointMSELoss', use_target_weight=True)
            ]),
        decoder=codec),
    test_cfg=dict(
        flip_test=True,
        shift_coords=True,
        shift_heatmap=True,
        heatmap_score_radius=3.5,
    ))

# pipelines
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(
        type='RandomBBoxTransform',
        shift_factor=0.16,
        shift_prob=0.3,
        scale_factor=(0.75, 1.25),
        rotate_factor=60,
        rotate_prob=0.6),
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
