# The fast path (td-reg_res50_fastpath-210e_wflw-256x256.py) with Wing loss,
# as td-reg_res50_wingloss_8xb64-210e_wflw-256x256.py.
_base_ = ['./td-reg_res50_fastpath-210e_wflw-256x256.py']

model = dict(head=dict(loss=dict(type='WingLoss', use_target_weight=True)))
