# DeepPose (coordinate regression) with a ResNet-50 on COFW, 256x256 crops: the
# published WFLW DeepPose recipe (schedule, augmentation, flip test) on COFW's data.
# NME: points 8 and 9, from the data set's metainfo.
_base_ = ['../wflw/td-reg_res50_8xb64-210e_wflw-256x256.py']

model = dict(head=dict(num_joints=29))

# base dataset settings
dataset_type = 'COFWDataset'
data_root = 'data/cofw/'

# data loaders
train_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/cofw_train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/cofw_test.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
