"""Targets and predictions of coordinate regression (DeepPose)."""
import numpy as np

from mmpose_face.registry import KEYPOINT_CODECS


@KEYPOINT_CODECS.register_module()
class RegressionLabel:
    """Crop-pixel keypoints <-> coordinates normalised by the input size.

    Args:
        input_size: (w, h) of the network input, pixels.
    """

    def __init__(self, input_size):
        self.input_size = tuple(input_size)

    def encode(self, keypoints: np.ndarray, keypoints_visible: np.ndarray = None) -> dict:
        """Keypoints (N, K, 2) in crop pixels -> ``keypoint_labels`` (N, K, 2) in
        [0, 1] and ``keypoint_weights`` (N, K): 0 for a point that is not
        visible or has left the crop, so the loss ignores it."""
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], dtype=np.float32)
        w, h = self.input_size
        inside = ((keypoints >= 0) & (keypoints <= [w - 1, h - 1])).all(axis=-1)
        valid = inside & (keypoints_visible > 0.5)
        return dict(
            keypoint_labels=(keypoints / np.array([w, h])).astype(np.float32),
            keypoint_weights=valid.astype(np.float32))

    def decode(self, encoded: np.ndarray):
        """Normalised coordinates (N, K, 2) -> crop-pixel keypoints (N, K, 2)
        float64 (as mmpose: mapping far-off points back to the image then
        loses nothing) and scores (N, K) (all 1: regression gives no confidence).

        (N, K, 4) is coordinates and sigmas in (0, 1) (RLE): the scores are
        then ``mean(1 - sigma)`` over x and y, as in mmpose."""
        if encoded.shape[-1] not in (2, 4):
            raise ValueError(f'RegressionLabel.decode: last dimension must be 2 (x, y) or 4 '
                             f'(x, y, sigma_x, sigma_y), got shape {encoded.shape}')
        w, h = self.input_size
        keypoints = encoded[..., :2] * np.array([w, h], dtype=np.float64)
        if encoded.shape[-1] == 4:
            scores = (1 - encoded[..., 2:4]).mean(axis=-1)
        else:
            scores = np.ones(encoded.shape[:2], dtype=np.float32)
        return keypoints, scores
