# DeepPose (coordinate regression) with a ResNet-50 on LaPa, 256x256 crops: the
# published WFLW DeepPose recipe (schedule, augmentation, flip test) on LaPa's data.
# NME: outer eye corners (66, 79), from the data set's metainfo.
_base_ = ['../wflw/td-reg_res50_8xb64-210e_wflw-256x256.py']

model = dict(head=dict(num_joints=106))

# base dataset settings
dataset_type = 'LapaDataset'
data_root = 'data/LaPa/'

# data loaders
train_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/lapa_train.json',
        data_prefix=dict(img='')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/lapa_val.json',
        data_prefix=dict(img='')))
test_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/lapa_test.json',
        data_prefix=dict(img='')))
