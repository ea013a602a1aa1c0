# DeepPose ResNet-50 on AFLW with Wing loss (omega 10, epsilon 2).
_base_ = ['./td-reg_res50_8xb64-210e_aflw-256x256.py']

model = dict(head=dict(loss=dict(type='WingLoss', use_target_weight=True)))
