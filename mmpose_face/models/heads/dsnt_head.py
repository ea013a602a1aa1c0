"""DSNT head (Nibali et al., 2018): integral regression with a heatmap regulariser."""
import torch
from mmengine.logging import MessageHub

from mmpose_face.registry import MODELS
from ..utils.pck_accuracy import normalised_pck_accuracy
from .integral_regression_head import IntegralRegressionHead


@MODELS.register_module()
class DSNTHead(IntegralRegressionHead):
    """:class:`IntegralRegressionHead` whose loss also compares the softmax heatmaps with
    the codec's normalised Gaussians (``gt_fields.heatmaps``).

    Args (besides those of :class:`IntegralRegressionHead`):
        lambda_t: from this epoch on (counted from 0) only the coordinate term
            is kept; -1 keeps both for the whole run.
        loss: a ``MultipleLossWrapper`` of [coordinate loss, heatmap loss];
            ``loss_kpt`` is their sum.
    """

    def __init__(self, in_channels: int, in_featuremap_size, num_joints: int, lambda_t: int = -1,
                 debias: bool = False, beta: float = 1.0,
                 deconv_out_channels=(256, 256, 256), deconv_kernel_sizes=(4, 4, 4),
                 conv_out_channels=None, conv_kernel_sizes=None, final_layer=dict(kernel_size=1),
                 loss=dict(type='MultipleLossWrapper',
                           losses=[dict(type='SmoothL1Loss', use_target_weight=True),
                                   dict(type='JSDiscretLoss', use_target_weight=True)]),
                 decoder=None, init_cfg=None):
        super().__init__(in_channels=in_channels, in_featuremap_size=in_featuremap_size,
                         num_joints=num_joints, debias=debias, beta=beta,
                         deconv_out_channels=deconv_out_channels,
                         deconv_kernel_sizes=deconv_kernel_sizes,
                         conv_out_channels=conv_out_channels, conv_kernel_sizes=conv_kernel_sizes,
                         final_layer=final_layer, loss=loss, decoder=decoder, init_cfg=init_cfg)
        self.lambda_t = lambda_t

    def loss(self, feats, batch_data_samples, train_cfg=None) -> dict:
        pred_coords, pred_heatmaps = self.forward(feats)
        labels, weights = self._labels(batch_data_samples)
        gt_heatmaps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        coordinate_loss, heatmap_loss = self.loss_module(
            [pred_coords, pred_heatmaps], [labels, gt_heatmaps], weights)
        loss = coordinate_loss + heatmap_loss
        if self.lambda_t > 0 and MessageHub.get_current_instance().get_info('epoch') >= self.lambda_t:
            loss = coordinate_loss
        return dict(loss_kpt=loss, acc_pose=normalised_pck_accuracy(pred_coords, labels, weights))
