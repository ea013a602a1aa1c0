# Not from mmpose: mmpose 1.3.2's WFLW DeepPose config with the stem and the first
# ResNet stage frozen and every BatchNorm in eval mode (tests/test_tools/test_mmpose_configs.py).
_base_ = ['./td-reg_res50_8xb64-210e_wflw-256x256.py']

model = dict(backbone=dict(frozen_stages=1, norm_eval=True))
