# DeepPose ResNet-50 on 300W-LP with Wing loss (omega 10, epsilon 2).
_base_ = ['./td-reg_res50_8xb64-210e_300wlp-256x256.py']

model = dict(head=dict(loss=dict(type='WingLoss', use_target_weight=True)))
