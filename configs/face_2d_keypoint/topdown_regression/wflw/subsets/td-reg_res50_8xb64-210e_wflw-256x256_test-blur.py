# Test on the WFLW blur subset alone, the published one-subset-per-run form.
# (tools/test.py with the main config reports every subset in one run.)
_base_ = ['../td-reg_res50_8xb64-210e_wflw-256x256.py']

test_dataloader = dict(dataset=dict(ann_file='annotations/face_landmarks_wflw_test_blur.json'))
