"""SimpleBaseline's heatmap head (Xiao et al., 2018): deconvolutions to one heatmap per keypoint."""
import torch
from mmengine.structures import PixelData
from torch import nn

from mmpose_face.registry import KEYPOINT_CODECS, MODELS
from ..utils.pck_accuracy import heatmap_pck_accuracy
from ..utils.test_time_flip import flip_heatmaps
from .base_head import BaseHead
from .deconv_heatmap_layers import DeconvHeatmapLayers


@MODELS.register_module()
class HeatmapHead(BaseHead):
    """Feature map (B, C, h, w) -> heatmaps (B, K, h * 2^n, w * 2^n) for n deconvolutions.

    mmpose 1.3.2's ``HeatmapHead``: its arguments, defaults and state-dict keys
    (``deconv_layers.*``, ``conv_layers.*``, ``final_layer.*``; files of
    mmpose 0.x's ``TopdownHeatmapSimpleHead`` load too).

    Args:
        in_channels: C (2048 for ResNet-50).
        out_channels: K (98 for WFLW).
        deconv_out_channels, deconv_kernel_sizes, conv_out_channels,
            conv_kernel_sizes, final_layer: the layers (see
            :class:`DeconvHeatmapLayers`).
        loss: heatmap loss config, by default ``KeypointMSELoss`` with keypoint weights.
        decoder: a heatmap codec (``MSRAHeatmap``), whose ``decode_batch``
            turns the heatmaps into keypoints.

    ``train_cfg``: ``compute_acc`` (default True) logs ``acc_pose``.
    ``test_cfg``: ``flip_test``; ``flip_mode`` ('heatmap', the only mode);
    ``shift_heatmap`` (default False), ``output_heatmaps`` (default False), as in mmpose.
    """

    _version = 2

    def __init__(self, in_channels: int, out_channels: int, deconv_out_channels=(256, 256, 256),
                 deconv_kernel_sizes=(4, 4, 4), conv_out_channels=None, conv_kernel_sizes=None,
                 final_layer=dict(kernel_size=1),
                 loss=dict(type='KeypointMSELoss', use_target_weight=True), decoder=None, init_cfg=None):
        if init_cfg is None:
            init_cfg = [dict(type='Normal', layer=['Conv2d', 'ConvTranspose2d'], std=0.001),
                        dict(type='Constant', layer='BatchNorm2d', val=1)]
        super().__init__(init_cfg=init_cfg)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None
        self.deconv_layers, self.conv_layers, self.final_layer = DeconvHeatmapLayers.build_layers(
            in_channels, out_channels, deconv_out_channels, deconv_kernel_sizes, conv_out_channels,
            conv_kernel_sizes, final_layer)
        self._register_load_state_dict_pre_hook(self._load_simple_head_keys)

    @property
    def num_keypoints(self) -> int:
        return self.out_channels

    def forward(self, feats) -> torch.Tensor:
        """feats: tuple whose last item is (B, C, h, w) -> heatmaps (B, K, H, W)."""
        return self.final_layer(self.conv_layers(self.deconv_layers(feats[-1])))

    def loss(self, feats, batch_data_samples, train_cfg=None) -> dict:
        """``loss_kpt`` (the loss between the heatmaps and ``gt_fields.heatmaps``, weighted
        by ``keypoint_weights``) and, with ``compute_acc``, ``acc_pose`` (PCK of the
        arg-max cells, :func:`heatmap_pck_accuracy`), tensors on the device."""
        pred_heatmaps = self.forward(feats)
        gt_heatmaps = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        losses = dict(loss_kpt=self.loss_module(pred_heatmaps, gt_heatmaps, weights))
        if (train_cfg or {}).get('compute_acc', True):
            losses['acc_pose'] = heatmap_pck_accuracy(pred_heatmaps, gt_heatmaps, weights)
        return losses

    def predict_normalised(self, feats, feats_flipped=None, flip_indices=None, input_width=None,
                           test_cfg=None):
        """-> coords (B, K, 2) normalised, scores (B, K) (each heatmap's maximum): the
        codec's ``decode_batch`` of the heatmaps, divided by the input size. With
        ``feats_flipped`` (flip test) the mirrored heatmaps are flipped back
        (``test_cfg.shift_heatmap``) and averaged first, as mmpose does. See
        :class:`BaseHead`."""
        if self.decoder is None:
            raise ValueError('HeatmapHead: predicting needs a decoder (a heatmap codec such as '
                             'MSRAHeatmap) in the head config')
        keypoints, scores = self.decoder.decode_batch(self.test_heatmaps(feats, feats_flipped, flip_indices,
                                                                         test_cfg))
        input_size = torch.tensor(self.decoder.input_size, dtype=keypoints.dtype, device=keypoints.device)
        return keypoints / input_size, scores

    def test_heatmaps(self, feats, feats_flipped=None, flip_indices=None, test_cfg=None) -> torch.Tensor:
        """-> heatmaps (B, K, H, W); with ``feats_flipped`` (flip test) the mirrored maps
        flipped back (``test_cfg.shift_heatmap``) and averaged, as mmpose does."""
        test_cfg = test_cfg or {}
        heatmaps = self.forward(feats)
        if feats_flipped is not None:
            if test_cfg.get('flip_mode', 'heatmap') != 'heatmap':
                raise ValueError(f"HeatmapHead: flip_mode {test_cfg['flip_mode']!r} is not supported "
                                 "(only 'heatmap')")
            flipped = flip_heatmaps(self.forward(feats_flipped), flip_indices,
                                    test_cfg.get('shift_heatmap', False))
            heatmaps = (heatmaps + flipped) * 0.5
        return heatmaps

    def predict(self, feats, batch_data_samples, test_cfg=None):
        """As :meth:`BaseHead.predict`; with ``test_cfg['output_heatmaps']``
        ``(preds, [PixelData(heatmaps=(K, H, W) tensor), ...])``, as mmpose's head returns
        them (the layers run once more for the maps; only when asked)."""
        preds = super().predict(feats, batch_data_samples, test_cfg=test_cfg)
        test_cfg = test_cfg or {}
        if not test_cfg.get('output_heatmaps', False):
            return preds
        if test_cfg.get('flip_test', False):
            heatmaps = self.test_heatmaps(feats[0], feats[1], batch_data_samples[0].metainfo['flip_indices'],
                                          test_cfg)
        else:
            heatmaps = self.test_heatmaps(feats, test_cfg=test_cfg)
        return preds, [PixelData(heatmaps=face_heatmaps) for face_heatmaps in heatmaps.detach()]

    def _load_simple_head_keys(self, state_dict, prefix, local_metadata, *args):
        """mmpose 0.x files (no version) keep the intermediate convolutions in
        ``final_layer.<i>.*`` and the last one at ``final_layer.<n>.*``; here they are
        ``conv_layers.<i>.*`` and ``final_layer.*``, as in mmpose 1.x."""
        version = local_metadata.get('version', None)
        if version and version >= self._version:
            return
        num_conv_modules = len(self.conv_layers) if isinstance(self.conv_layers, nn.Sequential) else 0
        for key in [k for k in state_dict if k.startswith(prefix + 'final_layer.')]:
            parts = key[len(prefix):].split('.')
            if len(parts) != 3:
                continue
            index = int(parts[1])
            new_key = (f'conv_layers.{index}.{parts[2]}' if index < num_conv_modules
                       else f'final_layer.{parts[2]}')
            state_dict[prefix + new_key] = state_dict.pop(key)
