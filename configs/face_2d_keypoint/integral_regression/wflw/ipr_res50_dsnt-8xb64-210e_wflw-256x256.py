# DSNT with a ResNet-50 on WFLW, 256x256 crops: as ipr_res50_8xb64-210e_wflw-256x256 with the
# Jensen-Shannon divergence to the target Gaussians as the heatmap term, as in mmpose's
# ipr_res50_dsnt-8xb64-210e_coco-256x256. mmpose publishes no WFLW figures for this head.
_base_ = ['./ipr_res50_8xb64-210e_wflw-256x256.py']

model = dict(
    head=dict(
        loss=dict(
            type='MultipleLossWrapper',
            losses=[
                dict(type='SmoothL1Loss', use_target_weight=True),
                dict(type='JSDiscretLoss', use_target_weight=True)
            ])))
