# DeepPose (coordinate regression) with a ResNet-50 on AFLW, 256x256 crops: the
# published WFLW DeepPose recipe (schedule, augmentation, flip test) on AFLW's data.
# NME: normalised by the face box size (the longer side of the ground-truth box), as
# mmpose's AFLW configs; the report shows AFLW-full and the frontal subset (`frontal`).
_base_ = ['../wflw/td-reg_res50_8xb64-210e_wflw-256x256.py']

model = dict(head=dict(num_joints=19))

# base dataset settings
dataset_type = 'AFLWDataset'
data_root = 'data/aflw/'

# data loaders
train_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/face_landmarks_aflw_train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/face_landmarks_aflw_test.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader

# evaluators
val_evaluator = dict(type='NME', norm_mode='use_norm_item', norm_item='bbox_size', failure_rate_and_auc=True)
test_evaluator = val_evaluator
