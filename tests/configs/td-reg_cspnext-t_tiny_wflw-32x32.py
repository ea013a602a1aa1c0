# The smallest training config with RTMPose-t's backbone as mmpose's RTMPose configs write it
# (mmdet scope, SyncBN, SiLU, channel attention), under the 32x32 regression head of the
# fault-tolerance config: for the tests of the mmdet scope, SyncBN on one process and offline
# pretrained weights. RTMPose configs set init_cfg=dict(type='Pretrained', prefix='backbone.',
# checkpoint='https://download.openmmlab.com/mmpose/v1/projects/rtmposev1/cspnext-...pth'); here it is
# None so that no test downloads 50 MB, and the tests point it at an address nothing answers.
_base_ = ['./td-reg_res18_tiny_wflw-32x32.py']

model = dict(
    backbone=dict(
        _delete_=True,
        _scope_='mmdet',
        type='CSPNeXt',
        arch='P5',
        expand_ratio=0.5,
        deepen_factor=0.167,
        widen_factor=0.375,
        out_indices=(4, ),
        channel_attention=True,
        norm_cfg=dict(type='SyncBN'),
        act_cfg=dict(type='SiLU'),
        init_cfg=None),
    head=dict(in_channels=384))
