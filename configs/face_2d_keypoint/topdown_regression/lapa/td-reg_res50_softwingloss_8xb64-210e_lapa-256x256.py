# DeepPose ResNet-50 on LaPa with Soft Wing loss (omega1 2, omega2 20, epsilon 0.5).
_base_ = ['./td-reg_res50_8xb64-210e_lapa-256x256.py']

model = dict(head=dict(loss=dict(type='SoftWingLoss', use_target_weight=True)))
