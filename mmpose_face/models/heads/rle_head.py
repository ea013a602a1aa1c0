"""RLE head (Li et al., 2021): coordinates and their uncertainty from one linear layer."""
import torch
from mmengine.model import BaseModule
from mmengine.structures import InstanceData
from torch import nn

from mmpose_face.registry import KEYPOINT_CODECS, MODELS
from ..utils.pck_accuracy import normalised_pck_accuracy
from .regression_head import flip_normalised_coordinates


@MODELS.register_module()
class RLEHead(BaseModule):
    """Pooled features (B, C) -> (B, K, 4): normalised x, y and raw sigma_x, sigma_y.

    Trained with :class:`RLELoss` (whose RealNVP flow lives in ``loss_module``,
    so a checkpoint carries it as ``head.loss_module.flow_model.*``). At test
    time sigma goes through a sigmoid and the decoder turns it into scores
    ``mean(1 - sigma)``: a point the network is unsure of scores low.

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

    def predict(self, feats, batch_data_samples, test_cfg=None) -> list:
        """Crop-pixel keypoints and sigma scores, one :class:`InstanceData` per face.

        With ``test_cfg['flip_test']`` ``feats`` is ``(feats, feats_of_flipped_input)``:
        the mirrored prediction is flipped back (x reflected, left/right
        swapped, sigmas swapped with their points) and both coordinates and
        squashed sigmas are averaged.
        """
        test_cfg = test_cfg or {}
        if test_cfg.get('flip_test', False):
            metainfo = batch_data_samples[0].metainfo
            feats_plain, feats_flipped = feats
            plain = self._squash_sigma(self.forward(feats_plain))
            flipped = self._squash_sigma(flip_normalised_coordinates(
                self.forward(feats_flipped), metainfo['flip_indices'],
                test_cfg.get('shift_coords', True), metainfo['input_size'][0]))
            outputs = (plain + flipped) * 0.5
        else:
            outputs = self._squash_sigma(self.forward(feats))
        keypoints, scores = self.decoder.decode(outputs.detach().float().cpu().numpy())
        return [InstanceData(keypoints=keypoints[i:i + 1], keypoint_scores=scores[i:i + 1])
                for i in range(len(keypoints))]

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
