"""Targets and predictions of coordinate regression (DeepPose)."""
import numpy as np
import torch

from mmpose_face.registry import KEYPOINT_CODECS
from .base_keypoint_codec import BaseKeypointCodec


def _as(array, dtype: str):
    """``array`` (numpy or torch) as ``dtype`` ('float32', 'float64'), same library and device."""
    return array.to(getattr(torch, dtype)) if isinstance(array, torch.Tensor) else array.astype(dtype)


def _stack_last(arrays):
    return torch.stack(arrays, dim=-1) if isinstance(arrays[0], torch.Tensor) else np.stack(arrays, axis=-1)


def sigma_scores(sigmas):
    """RLE confidence: sigmas (N, K, 2) in (0, 1) (after the sigmoid), numpy or
    torch -> scores (N, K) ``mean(1 - sigma)`` over x and y (mmpose's formula),
    same library and dtype: a point the network is unsure of scores low."""
    return (1 - sigmas).mean(axis=-1)


@KEYPOINT_CODECS.register_module()
class RegressionLabel(BaseKeypointCodec):
    """Crop-pixel keypoints <-> coordinates normalised by the input size.

    Args:
        input_size: (w, h) of the network input, pixels.
    """

    def __init__(self, input_size):
        self.input_size = tuple(input_size)

    def encode(self, keypoints: np.ndarray, keypoints_visible: np.ndarray = None) -> dict:
        """Keypoints (N, K, 2) in crop pixels -> ``keypoint_labels`` (N, K, 2) in
        [0, 1] and ``keypoint_weights`` (N, K): 0 for a point that is not
        visible or has left the crop, so the loss ignores it. numpy float32."""
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], dtype=np.float32)
        return self._encode(keypoints, keypoints_visible)

    def encode_batch(self, keypoints: torch.Tensor, keypoints_visible: torch.Tensor) -> dict:
        """``encode`` for torch tensors on any device (the fast path): keypoints
        (B, K, 2) crop pixels, keypoints_visible (B, K) -> the same keys, float32
        tensors with leading dim B. Python scalars only, so no host sync."""
        return self._encode(keypoints, keypoints_visible)

    def _encode(self, keypoints, keypoints_visible) -> dict:
        # one implementation for numpy and torch; float64 division as mmpose (then float32)
        w, h = self.input_size
        x, y = keypoints[..., 0], keypoints[..., 1]
        inside = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
        valid = inside & (keypoints_visible > 0.5)
        labels = _stack_last([_as(x, 'float64') / w, _as(y, 'float64') / h])
        return dict(keypoint_labels=_as(labels, 'float32'), keypoint_weights=_as(valid, 'float32'))

    def decode(self, encoded: np.ndarray):
        """mmpose's decode: normalised coordinates (N, K, 2) -> crop-pixel keypoints
        (N, K, 2) float64 and scores (N, K) all 1 (regression gives no confidence).

        As in mmpose, (N, K, 4) (coordinates and sigmas, RLE's output) is
        accepted too and goes to :meth:`decode_with_sigmas`; this project's
        heads call that, or :meth:`normalised_to_crop_pixels`, by name."""
        if encoded.shape[-1] not in (2, 4):
            raise ValueError(f'RegressionLabel.decode: last dimension must be 2 (x, y) or 4 '
                             f'(x, y, sigma_x, sigma_y), got shape {encoded.shape}')
        if encoded.shape[-1] == 4:
            return self.decode_with_sigmas(encoded[..., :2], encoded[..., 2:4])
        return self.normalised_to_crop_pixels(encoded), np.ones(encoded.shape[:2], dtype=np.float32)

    def decode_with_sigmas(self, coords: np.ndarray, sigmas: np.ndarray):
        """Normalised coordinates (N, K, 2) and sigmas (N, K, 2) in (0, 1) (RLE,
        after the sigmoid) -> crop-pixel keypoints (N, K, 2) float64 and scores
        (N, K) ``mean(1 - sigma)`` (:func:`sigma_scores`, mmpose's formula)."""
        return self.normalised_to_crop_pixels(coords), sigma_scores(sigmas)
