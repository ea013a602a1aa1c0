# Test on the 300W validation faces (common + challenging) and the private test set in one
# run: the report shows common, challenging, full and private side by side. Needs the
# private set converted with `subset: 'private'`; faces are told apart by (file, id), so
# both files may number their ids from 0.
_base_ = ['../td-reg_res50_8xb64-210e_300w-256x256.py']

pipeline = {{_base_.val_pipeline}}
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(type='Face300WDataset', data_root='data/300w/', data_mode='topdown',
                 ann_file='annotations/face_landmarks_300w_valid.json', data_prefix=dict(img='images/'),
                 test_mode=True, pipeline=pipeline),
            dict(type='Face300WDataset', data_root='data/300w/', data_mode='topdown',
                 ann_file='annotations/face_landmarks_300w_test.json', data_prefix=dict(img='images/'),
                 test_mode=True, pipeline=pipeline),
        ]))
