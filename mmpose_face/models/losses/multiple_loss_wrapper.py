"""Several losses, each on its own (prediction, target) pair, returned as a list."""
from torch import nn

from mmpose_face.registry import MODELS


@MODELS.register_module()
class MultipleLossWrapper(nn.Module):
    """``forward([pred_0, pred_1, ...], [target_0, target_1, ...], keypoint_weights)``
    -> ``[loss_0(pred_0, target_0, keypoint_weights), ...]``, in the order of ``losses``.

    Args:
        losses: list of loss configs (e.g. SmoothL1Loss on coordinates, then
            JSDiscretLoss on heatmaps for DSNT).
    """

    def __init__(self, losses: list):
        super().__init__()
        self.num_losses = len(losses)
        self.loss_modules = nn.ModuleList([MODELS.build(cfg) for cfg in losses])

    def forward(self, input_list, target_list, keypoint_weights=None) -> list:
        if not isinstance(input_list, (list, tuple)) or not isinstance(target_list, (list, tuple)):
            raise TypeError('MultipleLossWrapper: predictions and targets must be lists')
        if not len(input_list) == len(target_list) == self.num_losses:
            raise ValueError(f'MultipleLossWrapper: {self.num_losses} losses, but {len(input_list)} '
                             f'predictions and {len(target_list)} targets')
        return [loss(pred, target, keypoint_weights)
                for loss, pred, target in zip(self.loss_modules, input_list, target_list)]
