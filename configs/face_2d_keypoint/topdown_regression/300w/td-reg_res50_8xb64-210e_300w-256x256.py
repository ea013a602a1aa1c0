# DeepPose (coordinate regression) with a ResNet-50 on 300W, 256x256 crops: the
# published WFLW DeepPose recipe (schedule, augmentation, flip test) on 300W's data.
# NME: outer eye corners (36, 45), from the data set's metainfo. The report shows the
# common, challenging and full subsets of the validation faces (their `subset` field).
_base_ = ['../wflw/td-reg_res50_8xb64-210e_wflw-256x256.py']

model = dict(head=dict(num_joints=68))

# base dataset settings
dataset_type = 'Face300WDataset'
data_root = 'data/300w/'

# data loaders
train_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/face_landmarks_300w_train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/face_landmarks_300w_valid.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
