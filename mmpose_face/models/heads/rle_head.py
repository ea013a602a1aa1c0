"""RLE head (Li et al., 2021): coordinates and their uncertainty from one linear layer."""
import torch
from torch import nn

from mmpose_face.codecs.regression_label import sigma_scores
from mmpose_face.registry import KEYPOINT_CODECS, MODELS
from ..utils.pck_accuracy import normalised_pck_accuracy
from ..utils.test_time_flip import flip_normalised_coordinates
from .base_head import BaseHead


@MODELS.register_module()
class RLEHead(BaseHead):
    """Pooled features (B, C) -> (B, K, 4): normalised x, y and raw sigma_x, sigma_y.

    Trained with :class:`RLELoss` (whose RealNVP flow lives in ``loss_module``,
    so a checkpoint carries it as ``head.loss_module.flow_model.*``). At test
    time sigma goes through a sigmoid and becomes the scores ``mean(1 - sigma)``
    (:meth:`predict_normalised`): a point the network is unsure of scores low.

    Args:
        in_channels: C (2048 for ResNet-50).
        num_joints: K (98 for WFLW).
        loss: loss config, by default ``RLELoss`` with keypoint weights.
        decoder: codec config (``RegressionLabel``).
    """

    _version = 2  # mmpose 1.x layout; older files name the loss ``loss`` instead of ``loss_module``

    def __init__(self, in_channels: int, num_joints: int,
                 loss=dict(type='RLELoss', use_target_weight=True), decoder=None, init_cfg=None):
        if init_cfg is None:
            init_cfg = [dict(type='Normal', layer=['Linear'], std=0.01, bias=0)]
        super().__init__(init_cfg=init_cfg)
        self.in_channels, self.num_joints = in_channels, num_joints
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None
        self.fc = nn.Linear(in_channels, num_joints * 4)
        self._register_load_state_dict_pre_hook(self._rename_old_loss_keys)

    @property
    def num_keypoints(self) -> int:
        return self.num_joints

    def forward(self, feats) -> torch.Tensor:
        """feats: tuple whose last item is (B, C) -> (B, K, 4), sigma not yet squashed."""
        return self.fc(torch.flatten(feats[-1], 1)).reshape(-1, self.num_joints, 4)

    def loss(self, feats, batch_data_samples, train_cfg=None) -> dict:
        pred = self.forward(feats)
        labels = torch.cat([d.gt_instance_labels.keypoint_labels for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        return dict(loss_kpt=self.loss_module(pred[..., :2], pred[..., 2:4], labels,
                                              weights.unsqueeze(-1)),
                    acc_pose=normalised_pck_accuracy(pred[..., :2], labels, weights))

    def predict_normalised(self, feats, feats_flipped=None, flip_indices=None, input_width=None,
                           test_cfg=None):
        """-> coords (B, K, 2) normalised, scores (B, K) ``mean(1 - sigmoid(sigma))``
        (:func:`~mmpose_face.codecs.regression_label.sigma_scores`, as the codec decodes).

        With ``feats_flipped`` (flip test) the mirrored prediction is flipped back
        (x reflected, left/right swapped, sigmas swapped with their points) and
        both coordinates and squashed sigmas are averaged, as mmpose does. See
        :class:`BaseHead`."""
        outputs = self._squash_sigma(self.forward(feats))
        if feats_flipped is not None:
            flipped = self._squash_sigma(flip_normalised_coordinates(
                self.forward(feats_flipped), flip_indices, (test_cfg or {}).get('shift_coords', True),
                input_width))
            outputs = (outputs + flipped) * 0.5
        return outputs[..., :2], sigma_scores(outputs[..., 2:4])

    @staticmethod
    def _squash_sigma(outputs: torch.Tensor) -> torch.Tensor:
        return torch.cat([outputs[..., :2], outputs[..., 2:].sigmoid()], dim=-1)

    def _rename_old_loss_keys(self, state_dict, prefix, local_metadata, *args):
        """Files written before mmpose 1.0 keep the flow under ``loss.``; now ``loss_module.``."""
        version = local_metadata.get('version', None)
        if version is not None and version >= self._version:
            return
        for key in [k for k in state_dict if k.startswith(prefix + 'loss.')]:
            state_dict[prefix + 'loss_module.' + key[len(prefix + 'loss.'):]] = state_dict.pop(key)
