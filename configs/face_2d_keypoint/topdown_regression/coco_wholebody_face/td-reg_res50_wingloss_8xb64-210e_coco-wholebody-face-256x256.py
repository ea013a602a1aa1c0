# DeepPose ResNet-50 on COCO-WholeBody-Face with Wing loss (omega 10, epsilon 2).
_base_ = ['./td-reg_res50_8xb64-210e_coco-wholebody-face-256x256.py']

model = dict(head=dict(loss=dict(type='WingLoss', use_target_weight=True)))
