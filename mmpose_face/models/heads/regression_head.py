"""DeepPose head: one linear layer from the pooled feature to K x 2 coordinates."""
import torch
from torch import nn

from mmpose_face.registry import KEYPOINT_CODECS, MODELS
from ..utils.pck_accuracy import normalised_pck_accuracy
from ..utils.test_time_flip import flip_normalised_coordinates
from .base_head import BaseHead


@MODELS.register_module()
class RegressionHead(BaseHead):
    """Pooled features (B, C) -> normalised keypoints (B, K, 2).

    Args:
        in_channels: C (2048 for ResNet-50).
        num_joints: K (98 for WFLW).
        loss: loss config, e.g. ``dict(type='SmoothL1Loss', use_target_weight=True)``.
        decoder: codec config used to turn outputs into crop pixels.
    """

    def __init__(self, in_channels: int, num_joints: int,
                 loss=dict(type='SmoothL1Loss', use_target_weight=True),
                 decoder=None, init_cfg=None):
        if init_cfg is None:
            init_cfg = [dict(type='Normal', layer=['Linear'], std=0.01, bias=0)]
        super().__init__(init_cfg=init_cfg)
        self.in_channels, self.num_joints = in_channels, num_joints
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None
        self.fc = nn.Linear(in_channels, num_joints * 2)

    @property
    def num_keypoints(self) -> int:
        return self.num_joints

    def forward(self, feats) -> torch.Tensor:
        """feats: tuple whose last item is (B, C) -> (B, K, 2)."""
        x = torch.flatten(feats[-1], 1)
        return self.fc(x).reshape(-1, self.num_joints, 2)

    def loss(self, feats, batch_data_samples, train_cfg=None) -> dict:
        """``loss_kpt`` and ``acc_pose`` (PCK at 0.05 of the input size over
        the weighted keypoints, as mmpose logs it), both tensors on the
        device: the logger reads them back when it logs."""
        pred = self.forward(feats)
        labels = torch.cat([d.gt_instance_labels.keypoint_labels for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        loss = self.loss_module(pred, labels, weights.unsqueeze(-1))
        return dict(loss_kpt=loss, acc_pose=normalised_pck_accuracy(pred, labels, weights))

    def predict_normalised(self, feats, feats_flipped=None, flip_indices=None, input_width=None,
                           test_cfg=None):
        """-> coords (B, K, 2) normalised, scores (B, K) all 1 (regression gives no
        confidence; as the codec's decode). With ``feats_flipped`` (flip test) the
        plain and the flipped-back mirrored predictions are averaged. See
        :class:`BaseHead`."""
        coords = self.forward(feats)
        if feats_flipped is not None:
            coords = (coords + flip_normalised_coordinates(
                self.forward(feats_flipped), flip_indices, (test_cfg or {}).get('shift_coords', True),
                input_width)) * 0.5
        return coords, torch.ones_like(coords[..., 0])
