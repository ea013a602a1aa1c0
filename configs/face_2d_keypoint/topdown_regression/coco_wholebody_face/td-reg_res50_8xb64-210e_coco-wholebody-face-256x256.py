# DeepPose (coordinate regression) with a ResNet-50 on COCO-WholeBody-Face, 256x256 crops: the
# published WFLW DeepPose recipe (schedule, augmentation, flip test) on COCO-WholeBody-Face's data.
# NME: outer eye corners (36, 45), from the data set's metainfo.
_base_ = ['../wflw/td-reg_res50_8xb64-210e_wflw-256x256.py']

model = dict(head=dict(num_joints=68))

# base dataset settings
dataset_type = 'CocoWholeBodyFaceDataset'
data_root = 'data/coco/'

# data loaders
train_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/coco_wholebody_train_v1.0.json',
        data_prefix=dict(img='train2017/')))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='annotations/coco_wholebody_val_v1.0.json',
        data_prefix=dict(img='val2017/')))
test_dataloader = val_dataloader
