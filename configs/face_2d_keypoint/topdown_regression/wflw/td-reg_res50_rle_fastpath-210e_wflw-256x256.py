# The fast path (td-reg_res50_fastpath-210e_wflw-256x256.py) with the RLE head and loss,
# as td-reg_res50_rle-8xb64-210e_wflw-256x256.py (Adam 1e-3 for the same effective batch of 512).
_base_ = ['./td-reg_res50_fastpath-210e_wflw-256x256.py']

optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
model = dict(head=dict(type='RLEHead', loss=dict(type='RLELoss', use_target_weight=True)))
