"""RTMPose's head (Jiang et al., 2023): a convolution, a linear layer and a GAU to one SimCC vector per axis."""
import torch
from mmengine.structures import PixelData
from torch import nn

from mmpose_face.registry import KEYPOINT_CODECS, MODELS
from ..utils.pck_accuracy import simcc_pck_accuracy
from ..utils.rtmcc_block import RTMCCBlock
from ..utils.scale_norm import ScaleNorm
from ..utils.test_time_flip import flip_vectors
from .base_head import BaseHead


def normalise_simcc_for_display(simcc: torch.Tensor) -> torch.Tensor:
    """SimCC vectors (B, K, W) -> clamped at 0 and, where the maximum exceeds 1, divided
    by it: mmpose's ``get_simcc_normalized`` (no sigma), for ``output_heatmaps``."""
    simcc = simcc.clamp(min=0)
    peak = simcc.amax(dim=-1, keepdim=True)
    return torch.where(peak > 1, simcc / peak, simcc)


@MODELS.register_module()
class RTMCCHead(BaseHead):
    """Feature map (B, C, h, w) -> SimCC vectors x (B, K, Wx) and y (B, K, Wy),
    ``Wx = int(w_in * simcc_split_ratio)``, ``Wy = int(h_in * simcc_split_ratio)``.

    ``final_layer`` (a C -> K convolution) -> flatten to (B, K, h * w) -> ``mlp``
    (ScaleNorm, linear to ``hidden_dims``) -> ``gau`` (:class:`RTMCCBlock`, the
    K keypoints as tokens) -> ``cls_x``, ``cls_y`` (linear layers to the bins).

    mmpose 1.3.2's ``RTMCCHead``: its arguments, defaults, initialisation and
    state-dict keys (``final_layer.*``, ``mlp.0.g``, ``mlp.1.weight``, ``gau.*``,
    ``cls_x.weight``, ``cls_y.weight``), so released RTMPose checkpoints load.

    Args:
        in_channels: C (one feature map; a list is refused, as in mmpose).
        out_channels: K (98 for WFLW, 106 for LaPa and Face6).
        input_size: (w, h) of the crop, pixels.
        in_featuremap_size: (w, h) of the feature map (input_size / 32 for CSPNeXt).
        simcc_split_ratio: bins per crop pixel (the codec's).
        final_layer_kernel_size: the convolution's kernel (padding kernel // 2).
        gau_cfg: ``hidden_dims``, ``s``, ``expansion_factor``, ``dropout_rate``,
            ``drop_path``, ``act_fn``, ``use_rel_bias``, ``pos_enc`` of the block.
        loss: by default ``KLDiscretLoss`` with keypoint weights.
        decoder: a ``SimCCLabel`` codec config (predicting needs it).
        init_cfg: by default mmpose's (normal convolutions std 0.001, linear
            layers std 0.01, bias 0).

    ``test_cfg``: ``flip_test`` (the mirrored crop's vectors flipped back and
    averaged: :func:`flip_vectors`); ``output_heatmaps`` (``predict`` also gives
    each face's (K, Wy, Wx) outer product of the vectors, normalised for display
    so not the scores' scale, and the vectors as ``keypoint_x_labels`` /
    ``keypoint_y_labels``).
    """

    def __init__(self, in_channels, out_channels: int, input_size, in_featuremap_size,
                 simcc_split_ratio: float = 2.0, final_layer_kernel_size: int = 1,
                 gau_cfg=dict(hidden_dims=256, s=128, expansion_factor=2, dropout_rate=0., drop_path=0.,
                              act_fn='ReLU', use_rel_bias=False, pos_enc=False),
                 loss=dict(type='KLDiscretLoss', use_target_weight=True), decoder=None, init_cfg=None):
        if init_cfg is None:
            init_cfg = [dict(type='Normal', layer=['Conv2d'], std=0.001),
                        dict(type='Constant', layer='BatchNorm2d', val=1),
                        dict(type='Normal', layer=['Linear'], std=0.01, bias=0)]
        super().__init__(init_cfg=init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.input_size, self.in_featuremap_size = input_size, in_featuremap_size
        self.simcc_split_ratio = simcc_split_ratio
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None
        if isinstance(in_channels, (tuple, list)):
            raise ValueError('RTMCCHead does not support selecting multiple input features '
                             f'(in_channels={in_channels}); give the channels of the last map')
        flatten_dims = in_featuremap_size[0] * in_featuremap_size[1]
        self.final_layer = nn.Conv2d(in_channels, out_channels, kernel_size=final_layer_kernel_size, stride=1,
                                     padding=final_layer_kernel_size // 2)
        self.mlp = nn.Sequential(ScaleNorm(flatten_dims), nn.Linear(flatten_dims, gau_cfg['hidden_dims'], bias=False))
        self.gau = RTMCCBlock(out_channels, gau_cfg['hidden_dims'], gau_cfg['hidden_dims'], s=gau_cfg['s'],
                              expansion_factor=gau_cfg['expansion_factor'], dropout_rate=gau_cfg['dropout_rate'],
                              drop_path=gau_cfg['drop_path'], attn_type='self-attn', act_fn=gau_cfg['act_fn'],
                              use_rel_bias=gau_cfg['use_rel_bias'], pos_enc=gau_cfg['pos_enc'])
        self.cls_x = nn.Linear(gau_cfg['hidden_dims'], int(input_size[0] * simcc_split_ratio), bias=False)
        self.cls_y = nn.Linear(gau_cfg['hidden_dims'], int(input_size[1] * simcc_split_ratio), bias=False)

    @property
    def num_keypoints(self) -> int:
        return self.out_channels

    def forward(self, feats):
        """feats: tuple whose last item is (B, C, h, w) -> (pred_x (B, K, Wx), pred_y (B, K, Wy))."""
        tokens = self.mlp(torch.flatten(self.final_layer(feats[-1]), 2))  # (B, K, hidden_dims)
        tokens = self.gau(tokens)
        return self.cls_x(tokens), self.cls_y(tokens)

    def loss(self, feats, batch_data_samples, train_cfg=None) -> dict:
        """``loss_kpt`` (the loss between the vectors and ``keypoint_x_labels`` /
        ``keypoint_y_labels``, weighted by ``keypoint_weights``) and ``acc_pose``
        (PCK of the arg-max bins, :func:`simcc_pck_accuracy`), tensors on the device."""
        pred_x, pred_y = self.forward(feats)
        labels = [d.gt_instance_labels for d in batch_data_samples]
        gt_x = torch.cat([label.keypoint_x_labels for label in labels])
        gt_y = torch.cat([label.keypoint_y_labels for label in labels])
        weights = torch.cat([label.keypoint_weights for label in labels])
        return dict(loss_kpt=self.loss_module((pred_x, pred_y), (gt_x, gt_y), weights),
                    acc_pose=simcc_pck_accuracy((pred_x, pred_y), (gt_x, gt_y), self.simcc_split_ratio, weights))

    def simcc_vectors(self, feats, feats_flipped=None, flip_indices=None):
        """-> (pred_x, pred_y) as :meth:`forward`; with ``feats_flipped`` averaged with the
        mirrored crop's vectors flipped back (mmpose's flip test)."""
        pred_x, pred_y = self.forward(feats)
        if feats_flipped is not None:
            flipped_x, flipped_y = flip_vectors(*self.forward(feats_flipped), flip_indices=flip_indices)
            pred_x, pred_y = (pred_x + flipped_x) * 0.5, (pred_y + flipped_y) * 0.5
        return pred_x, pred_y

    def normalised_from_vectors(self, pred_x: torch.Tensor, pred_y: torch.Tensor):
        """SimCC vectors -> coords (B, K, 2) normalised to the crop and scores (B, K):
        the codec's batched decode (arg-max bins or DARK) divided by the input size."""
        if self.decoder is None:
            raise ValueError('RTMCCHead: predicting needs a decoder (a SimCCLabel codec) in the head config')
        keypoints, scores, _ = self.decoder.decode_batch(pred_x, pred_y)
        width, height = self.decoder.input_size
        return torch.stack([keypoints[..., 0] / width, keypoints[..., 1] / height], dim=-1), scores

    def predict_normalised(self, feats, feats_flipped=None, flip_indices=None, input_width=None,
                           test_cfg=None):
        """-> coords (B, K, 2) normalised, scores (B, K) (the smaller of each point's two
        SimCC maxima, as mmpose's ``keypoint_scores``). See :class:`BaseHead`."""
        return self.normalised_from_vectors(*self.simcc_vectors(feats, feats_flipped, flip_indices))

    def predict(self, feats, batch_data_samples, test_cfg=None):
        """mmpose's predict: one :class:`InstanceData` per face, crop-pixel ``keypoints``
        (1, K, 2) and ``keypoint_scores`` (1, K) (and ``keypoints_visible`` from a codec
        with ``decode_visibility``); with ``test_cfg.output_heatmaps`` also
        (instances, one ``PixelData(heatmaps=(K, Wy, Wx))`` per face).

        The same computation as :meth:`predict_normalised` (which the exported
        model runs), mapped to crop pixels as :meth:`BaseHead.predict` does.
        """
        test_cfg = test_cfg or {}
        if test_cfg.get('flip_test', False):
            feats_plain, feats_flipped = feats
            pred_x, pred_y = self.simcc_vectors(feats_plain, feats_flipped,
                                                batch_data_samples[0].metainfo['flip_indices'])
        else:
            pred_x, pred_y = self.simcc_vectors(feats)
        preds = self.instances_in_crop_pixels(*self.normalised_from_vectors(pred_x, pred_y))
        if self.decoder.decode_visibility:
            _, _, visibility = self.decoder.decode_batch(pred_x, pred_y)
            for pred, face_visibility in zip(preds, visibility.detach().cpu().numpy()):
                pred.keypoints_visible = face_visibility[None]
        if not test_cfg.get('output_heatmaps', False):
            return preds
        pred_x, pred_y = normalise_simcc_for_display(pred_x), normalise_simcc_for_display(pred_y)
        heatmaps = torch.matmul(pred_y.unsqueeze(-1), pred_x.unsqueeze(-2))  # (B, K, Wy, Wx)
        for pred, face_x, face_y in zip(preds, pred_x.detach().cpu().numpy(), pred_y.detach().cpu().numpy()):
            pred.keypoint_x_labels, pred.keypoint_y_labels = face_x[None], face_y[None]
        return preds, [PixelData(heatmaps=face_heatmaps) for face_heatmaps in heatmaps.detach()]
