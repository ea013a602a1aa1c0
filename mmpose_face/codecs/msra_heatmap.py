"""Gaussian heatmap targets and their arg-max decoding (SimpleBaseline, "MSRA" heatmaps)."""
import numpy as np
import torch

from mmpose_face.registry import KEYPOINT_CODECS
from .base_keypoint_codec import BaseKeypointCodec
from .dark_refinement import refine_by_taylor_expansion
from .gaussian_heatmap import gaussian_heatmap_weights, gaussian_heatmaps
from .heatmap_maximum import heatmap_maximum, refine_by_quarter_pixel


@KEYPOINT_CODECS.register_module()
class MSRAHeatmap(BaseKeypointCodec):
    """Crop-pixel keypoints <-> one Gaussian heatmap per keypoint (Xiao et al., 2018).

    mmpose 1.3.2's codec of that name, with its arguments and defaults.

    Args:
        input_size: (w, h) of the network input, pixels.
        heatmap_size: (W, H) of the heatmaps, e.g. (64, 64) for 256 x 256 crops.
        sigma: Gaussian sigma in heatmap pixels.
        unbiased: DARK (Zhang et al., 2020): fractional Gaussian centres when
            encoding; when decoding, a Taylor step on the log of the blurred
            heatmap instead of the quarter-pixel step.
        blur_kernel_size: DARK's Gaussian blur of the heatmaps before decoding
            (OpenCV's kernel of that size).

    Encoded: ``heatmaps`` (K, H, W) float32, peak 1 (into ``gt_fields``) and
    ``keypoint_weights`` (1, K): the visibility, 0 where the Gaussian misses the map.
    Decoded: the arg-max cell of each map, a quarter pixel towards the higher
    neighbour (or DARK's step), times ``input_size / heatmap_size``; the score
    is the map's maximum.
    """

    def __init__(self, input_size, heatmap_size, sigma: float, unbiased: bool = False,
                 blur_kernel_size: int = 11):
        self.input_size, self.heatmap_size = tuple(input_size), tuple(heatmap_size)
        self.sigma, self.unbiased, self.blur_kernel_size = sigma, unbiased, blur_kernel_size
        # input pixels per heatmap pixel, float32 as in mmpose
        self.scale_factor = (np.array(input_size) / heatmap_size).astype(np.float32)

    def encode(self, keypoints: np.ndarray, keypoints_visible: np.ndarray = None) -> dict:
        """Keypoints (1, K, 2) crop pixels, visibility (1, K) -> ``heatmaps`` (K, H, W)
        and ``keypoint_weights`` (1, K), numpy float32. One face at a time, as mmpose."""
        keypoints_visible = self.one_face_visibility(keypoints, keypoints_visible)
        encoded = self._encode(torch.from_numpy(np.asarray(keypoints / self.scale_factor, np.float32)),
                               torch.from_numpy(np.asarray(keypoints_visible, np.float32)))
        return dict(heatmaps=encoded['heatmaps'][0].numpy(),
                    keypoint_weights=encoded['keypoint_weights'].numpy())

    def encode_batch(self, keypoints: torch.Tensor, keypoints_visible: torch.Tensor) -> dict:
        """Keypoints (B, K, 2) crop pixels, visibility (B, K), torch on any device ->
        ``heatmaps`` (B, K, H, W) and ``keypoint_weights`` (B, K)."""
        scale = torch.as_tensor(self.scale_factor, device=keypoints.device)
        return self._encode(keypoints.to(torch.float32) / scale, keypoints_visible.to(torch.float32))

    def _encode(self, heatmap_keypoints: torch.Tensor, keypoints_visible: torch.Tensor) -> dict:
        arguments = (heatmap_keypoints, keypoints_visible, self.heatmap_size, self.sigma, self.unbiased)
        return dict(heatmaps=gaussian_heatmaps(*arguments), keypoint_weights=gaussian_heatmap_weights(*arguments))

    def decode(self, encoded: np.ndarray):
        """mmpose's decode: heatmaps (K, H, W) of one face -> keypoints (1, K, 2) crop
        pixels float32 and scores (1, K) (each map's maximum)."""
        keypoints, scores = self.decode_batch(torch.from_numpy(np.ascontiguousarray(encoded))[None])
        return keypoints.numpy(), scores.numpy()

    def decode_batch(self, heatmaps: torch.Tensor):
        """Heatmaps (B, K, H, W), torch on any device -> keypoints (B, K, 2) crop pixels
        float32 and scores (B, K): :meth:`decode` for a batch, traceable for export."""
        locations, scores = heatmap_maximum(heatmaps)
        if self.unbiased:
            locations = refine_by_taylor_expansion(locations, heatmaps, self.blur_kernel_size)
        else:
            locations = refine_by_quarter_pixel(locations, heatmaps)
        return locations * torch.as_tensor(self.scale_factor, device=heatmaps.device), scores
