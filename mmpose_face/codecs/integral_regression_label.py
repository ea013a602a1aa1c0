"""Targets of integral regression (IPR, DSNT): coordinates plus a normalised Gaussian heatmap."""
import numpy as np
import torch

from mmpose_face.registry import KEYPOINT_CODECS
from .base_keypoint_codec import BaseKeypointCodec
from .gaussian_heatmap import gaussian_heatmaps
from .regression_label import RegressionLabel


@KEYPOINT_CODECS.register_module()
class IntegralRegressionLabel(BaseKeypointCodec):
    """Crop-pixel keypoints -> normalised coordinates, keypoint weights and heatmaps.

    Args:
        input_size: (w, h) of the network input, pixels.
        heatmap_size: (W, H) of the heatmaps, e.g. (64, 64) for 256 x 256 crops.
        sigma: Gaussian sigma in heatmap pixels.
        unbiased: fractional Gaussian centres (DARK) instead of rounded ones.
        blur_kernel_size: kept for mmpose's configs (only its heatmap decoder
            uses it; decoding here is from coordinates).
        normalize: divide each heatmap by its sum, so it is a distribution
            over pixels like the head's softmax output.
    """

    def __init__(self, input_size, heatmap_size, sigma: float, unbiased: bool = False,
                 blur_kernel_size: int = 11, normalize: bool = True):
        self.input_size, self.heatmap_size = tuple(input_size), tuple(heatmap_size)
        self.sigma, self.unbiased, self.normalize = sigma, unbiased, normalize
        self.blur_kernel_size = blur_kernel_size
        self.keypoint_codec = RegressionLabel(input_size)
        # input pixels per heatmap pixel, float32 as in mmpose
        self.scale_factor = (np.array(input_size) / heatmap_size).astype(np.float32)

    def encode(self, keypoints: np.ndarray, keypoints_visible: np.ndarray = None) -> dict:
        """Keypoints (1, K, 2) crop pixels -> ``keypoint_labels`` (1, K, 2) in [0, 1],
        ``keypoint_weights`` (1, K) (0 outside the crop or invisible) and
        ``heatmaps`` (K, H, W) float32 (each summing to 1 with ``normalize``)."""
        keypoints_visible = self.one_face_visibility(keypoints, keypoints_visible)
        heatmaps = self._heatmaps(torch.from_numpy(np.asarray(keypoints / self.scale_factor, np.float32)),
                                  torch.from_numpy(np.asarray(keypoints_visible, np.float32)))
        encoded = self.keypoint_codec.encode(keypoints, keypoints_visible)
        encoded['heatmaps'] = heatmaps[0].numpy()
        return encoded

    def encode_batch(self, keypoints: torch.Tensor, keypoints_visible: torch.Tensor) -> dict:
        """Torch version on the device: keypoints (B, K, 2) crop pixels, keypoints_visible
        (B, K) -> the keys of :meth:`encode` with a leading B: keypoint_labels (B, K, 2),
        keypoint_weights (B, K), heatmaps (B, K, H, W)."""
        encoded = self.keypoint_codec.encode_batch(keypoints, keypoints_visible)
        scale = torch.as_tensor(self.scale_factor, device=keypoints.device)
        encoded['heatmaps'] = self._heatmaps(keypoints.to(torch.float32) / scale, keypoints_visible)
        return encoded

    def _heatmaps(self, heatmap_keypoints, keypoints_visible):
        heatmaps = gaussian_heatmaps(heatmap_keypoints, keypoints_visible, self.heatmap_size,
                                     self.sigma, self.unbiased)
        if self.normalize:
            heatmaps = heatmaps / (heatmaps.sum(dim=(-1, -2), keepdim=True) + 1e-24)
        return heatmaps

    def decode(self, encoded: np.ndarray):
        """Normalised coordinates (N, K, 2) -> crop pixels (N, K, 2) and scores (N, K)
        (1.0, as in mmpose; the heads can give heatmap scores, see
        ``IntegralRegressionHead``)."""
        return self.keypoint_codec.decode(encoded)
