"""Integral pose regression (Sun et al., 2018): coordinates as the expectation of a softmax heatmap."""
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from torch import nn

from mmpose_face.registry import KEYPOINT_CODECS, MODELS
from ..utils.pck_accuracy import normalised_pck_accuracy
from ..utils.test_time_flip import flip_heatmaps, flip_normalised_coordinates
from .base_head import BaseHead
from .deconv_heatmap_layers import DeconvHeatmapLayers


def heatmap_mass_near(heatmaps: torch.Tensor, coords: torch.Tensor, radius: float) -> torch.Tensor:
    """Probability mass (B, K) of heatmaps (B, K, H, W) (each summing to 1) in the
    cells at most ``radius`` heatmap pixels from coords (B, K, 2), normalised
    as the head gives them (cell i at i / W): a peaked map near its own
    expectation scores near 1, a spread or two-peaked one low."""
    height, width = heatmaps.shape[-2:]
    xs = torch.arange(width, device=heatmaps.device, dtype=heatmaps.dtype)
    ys = torch.arange(height, device=heatmaps.device, dtype=heatmaps.dtype)
    dx2 = (xs - coords[..., 0:1] * width) ** 2  # (B, K, W)
    dy2 = (ys - coords[..., 1:2] * height) ** 2  # (B, K, H)
    near = (dy2.unsqueeze(-1) + dx2.unsqueeze(-2)) <= radius ** 2
    return (heatmaps * near).sum(dim=(-1, -2))


@MODELS.register_module()
class IntegralRegressionHead(BaseHead):
    """Feature map (B, C, h, w) -> heatmap logits -> softmax over pixels -> expected (x, y).

    ``forward`` returns ``(coords, heatmaps)``: coords (B, K, 2) normalised to
    the input (cell i of a W-wide map counts as i / W), heatmaps (B, K, H, W)
    summing to 1. Only the coordinates are supervised here (see
    :class:`DSNTHead` for a heatmap term too).

    Args:
        in_channels: C.
        in_featuremap_size: (w, h) of the feature map (8, 8 for ResNet on 256 x 256).
        num_joints: K.
        debias: remove the bias of the soft-argmax towards the map centre (Gu
            et al., 2021): ``C / (C - 1) * (x - 1 / (2 C))`` with C = sum exp(logits).
        beta: softmax sharpness; logits are multiplied by it.
        deconv_out_channels, deconv_kernel_sizes, conv_out_channels,
            conv_kernel_sizes, final_layer: the upsampling stack (see
            :class:`DeconvHeatmapLayers`); with no deconvolutions only
            ``final_layer`` (a conv to K maps) is applied to the features.
        loss: coordinate loss config.
        decoder: codec config (``IntegralRegressionLabel``).

    ``test_cfg``: ``flip_test``, ``shift_coords`` (default True), ``shift_heatmap``
    (default False) and ``output_heatmaps`` (default False: ``predict``
    returns ``(preds, pred_fields)``, one ``PixelData(heatmaps=(K, H, W))``
    per face, the flip-averaged softmax maps) as in mmpose;
    ``heatmap_score_radius`` (ours; mmpose scores every point 1.0): when
    set, ``keypoint_scores`` is the heatmap mass within that many heatmap
    pixels of the predicted point.
    """

    _version = 2

    def __init__(self, in_channels: int, in_featuremap_size, num_joints: int,
                 debias: bool = False, beta: float = 1.0,
                 deconv_out_channels=(256, 256, 256), deconv_kernel_sizes=(4, 4, 4),
                 conv_out_channels=None, conv_kernel_sizes=None, final_layer=dict(kernel_size=1),
                 loss=dict(type='SmoothL1Loss', use_target_weight=True), decoder=None,
                 init_cfg=None):
        if init_cfg is None:
            init_cfg = [dict(type='Normal', layer=['Linear'], std=0.01, bias=0)]
        super().__init__(init_cfg=init_cfg)
        if isinstance(in_channels, (list, tuple)):
            raise ValueError(f'{type(self).__name__} does not support selecting multiple input features.')
        self.in_channels, self.num_joints = in_channels, num_joints
        self.debias, self.beta = debias, beta
        self.loss_module = MODELS.build(loss)
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None
        num_deconv = len(deconv_out_channels) if deconv_out_channels else 0
        if num_deconv:
            self.heatmap_size = tuple(s * 2 ** num_deconv for s in in_featuremap_size)
            self.simplebaseline_head = DeconvHeatmapLayers(
                in_channels, num_joints, deconv_out_channels, deconv_kernel_sizes,
                conv_out_channels, conv_kernel_sizes, final_layer)
        else:
            self.heatmap_size = tuple(in_featuremap_size)
            self.simplebaseline_head = None
            self.final_layer = None if final_layer is None else nn.Conv2d(
                in_channels, num_joints, **{'kernel_size': 1, **{
                    k: v for k, v in final_layer.items() if k != 'type'}})
        width, height = self.heatmap_size
        # parameters (not buffers) without gradient: mmpose's state-dict keys
        self.linspace_x = nn.Parameter(torch.arange(0.0, width).reshape(1, 1, 1, width) / width,
                                       requires_grad=False)
        self.linspace_y = nn.Parameter(torch.arange(0.0, height).reshape(1, 1, height, 1) / height,
                                       requires_grad=False)
        self._register_load_state_dict_pre_hook(self._load_heatmap_head_keys)

    def heatmap_logits(self, feats) -> torch.Tensor:
        if self.simplebaseline_head is not None:
            return self.simplebaseline_head(feats)
        feats = feats[-1]
        return self.final_layer(feats) if self.final_layer is not None else feats

    @property
    def num_keypoints(self) -> int:
        return self.num_joints

    def forward(self, feats):
        """feats: tuple whose last item is (B, C, h, w) -> (coords (B, K, 2), heatmaps (B, K, H, W))."""
        logits = self.heatmap_logits(feats)
        batch_size, num_maps, height, width = logits.shape
        heatmaps = F.softmax((logits * self.beta).reshape(batch_size, num_maps, -1), dim=2)
        heatmaps = heatmaps.reshape(batch_size, num_maps, height, width)
        pred_x = (heatmaps * self.linspace_x).reshape(batch_size, num_maps, -1).sum(dim=2, keepdim=True)
        pred_y = (heatmaps * self.linspace_y).reshape(batch_size, num_maps, -1).sum(dim=2, keepdim=True)
        if self.debias:
            total = logits.reshape(batch_size, num_maps, -1).exp().sum(dim=2).reshape(batch_size, num_maps, 1)
            pred_x = total / (total - 1) * (pred_x - 1 / (2 * total))
            pred_y = total / (total - 1) * (pred_y - 1 / (2 * total))
        return torch.cat([pred_x, pred_y], dim=-1), heatmaps

    def _labels(self, batch_data_samples):
        labels = torch.cat([d.gt_instance_labels.keypoint_labels for d in batch_data_samples])
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples])
        return labels, weights

    def loss(self, feats, batch_data_samples, train_cfg=None) -> dict:
        pred_coords, _ = self.forward(feats)
        labels, weights = self._labels(batch_data_samples)
        return dict(loss_kpt=self.loss_module(pred_coords, labels, weights),
                    acc_pose=normalised_pck_accuracy(pred_coords, labels, weights))

    def predict(self, feats, batch_data_samples, test_cfg=None):
        """As :meth:`BaseHead.predict`; with ``test_cfg['output_heatmaps']``
        ``(preds, [PixelData(heatmaps=(K, H, W) tensor), ...])``, as mmpose's head returns them
        (the head's layers run once more for the maps; only when asked)."""
        preds = super().predict(feats, batch_data_samples, test_cfg=test_cfg)
        test_cfg = test_cfg or {}
        if not test_cfg.get('output_heatmaps', False):
            return preds
        if test_cfg.get('flip_test', False):
            metainfo = batch_data_samples[0].metainfo
            _, heatmaps = self.test_outputs(feats[0], feats[1], metainfo['flip_indices'],
                                            metainfo['input_size'][0], test_cfg)
        else:
            _, heatmaps = self.test_outputs(feats, test_cfg=test_cfg)
        return preds, [PixelData(heatmaps=face_heatmaps) for face_heatmaps in heatmaps.detach()]

    def test_outputs(self, feats, feats_flipped=None, flip_indices=None, input_width=None, test_cfg=None):
        """-> coords (B, K, 2) normalised and heatmaps (B, K, H, W); with ``feats_flipped``
        (flip test) the mirrored coordinates and heatmaps are flipped back and averaged
        (``test_cfg.shift_coords``, ``test_cfg.shift_heatmap``)."""
        test_cfg = test_cfg or {}
        coords, heatmaps = self.forward(feats)
        if feats_flipped is not None:
            coords_flipped, heatmaps_flipped = self.forward(feats_flipped)
            coords_flipped = flip_normalised_coordinates(
                coords_flipped, flip_indices, test_cfg.get('shift_coords', True), input_width)
            heatmaps_flipped = flip_heatmaps(heatmaps_flipped, flip_indices, test_cfg.get('shift_heatmap', False))
            coords = (coords + coords_flipped) * 0.5
            heatmaps = (heatmaps + heatmaps_flipped) * 0.5
        return coords, heatmaps

    def predict_normalised(self, feats, feats_flipped=None, flip_indices=None, input_width=None,
                           test_cfg=None):
        """-> coords (B, K, 2) normalised, scores (B, K): 1.0 (as mmpose and the
        codec's decode), or with ``test_cfg.heatmap_score_radius`` the heatmap
        mass near the point (:func:`heatmap_mass_near`), read from the
        flip-averaged heatmaps of :meth:`test_outputs`. See
        :class:`BaseHead`."""
        test_cfg = test_cfg or {}
        coords, heatmaps = self.test_outputs(feats, feats_flipped, flip_indices, input_width, test_cfg)
        if test_cfg.get('heatmap_score_radius') is not None:
            return coords, heatmap_mass_near(heatmaps, coords, test_cfg['heatmap_score_radius'])
        return coords, torch.ones_like(coords[..., 0])

    def _load_heatmap_head_keys(self, state_dict, prefix, *args):
        """A heatmap head's layers (``deconv_layers.*``, ``final_layer.*`` right under
        the head, as a SimpleBaseline checkpoint writes them) go to ``simplebaseline_head``,
        so an integral head can start from a heatmap model, as mmpose's configs do."""
        if self.simplebaseline_head is None:
            return
        for key in list(state_dict):
            for old in ('deconv_layers.', 'final_layer.'):
                if key.startswith(prefix + old):
                    state_dict[prefix + 'simplebaseline_head.' + key[len(prefix):]] = state_dict.pop(key)
