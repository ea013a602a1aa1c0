# RLE (residual log-likelihood, RealNVP flow) with a ResNet-50 on WFLW, 256x256 crops.
# The settings of mmpose's td-reg_res50_rle-8xb64-210e_coco-256x192 (Adam 1e-3, RLELoss with
# Laplace q and keypoint weights) on the WFLW data and pipeline of the DeepPose config.
# keypoint_scores = mean(1 - sigma): the head's own uncertainty per landmark.
# mmpose publishes no WFLW figures for this head.
_base_ = ['./td-reg_res50_8xb64-210e_wflw-256x256.py']

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))

model = dict(head=dict(type='RLEHead', loss=dict(type='RLELoss', use_target_weight=True)))
