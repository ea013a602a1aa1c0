"""The contract of every keypoint codec: targets for training (encode), keypoints from outputs (decode)."""
from abc import ABCMeta, abstractmethod

import numpy as np


class BaseKeypointCodec(metaclass=ABCMeta):
    """Crop-pixel keypoints <-> what a head is trained on and outputs.

    Units: keypoints are in crop pixels (the network input of ``input_size``
    (w, h) pixels, x right, y down); "normalised" means divided by (w, h).
    Shapes: N faces (instances), B faces of a batch, K keypoints.

    A subclass implements:

    - :meth:`encode` (numpy, one sample, in the data pipeline's
      ``GenerateTarget``);
    - :meth:`encode_batch` (torch on any device, a batch of crops, in the fast
      path's preprocessor): the same keys with a leading B, and the same values
      as :meth:`encode` face by face;
    - :meth:`decode` (numpy, mmpose's signature): the head's raw output for
      one sample -> crop-pixel keypoints and scores. One array for most
      codecs; a head with several outputs hands them as several arguments,
      in mmpose's names (``SimCCLabel.decode(simcc_x, simcc_y)``).

    and keeps ``input_size``, which :meth:`normalised_to_crop_pixels` (the
    step after a head's ``predict_normalised``) reads.

    The keys ``encode`` returns are packed by ``PackPoseInputs``: per-face
    arrays (``keypoint_labels``, ``keypoint_weights``) into
    ``gt_instance_labels``, (K, H, W) maps (``heatmaps``) into ``gt_fields``.
    """

    input_size: tuple

    @abstractmethod
    def encode(self, keypoints: np.ndarray, keypoints_visible: np.ndarray = None) -> dict:
        """Keypoints (N, K, 2) crop pixels and visibility (N, K) (None: all
        visible) -> training targets, numpy float32; always ``keypoint_weights``
        (N, K) (0: the loss ignores the point)."""

    @abstractmethod
    def encode_batch(self, keypoints, keypoints_visible) -> dict:
        """Keypoints (B, K, 2) crop pixels and visibility (B, K), torch tensors on
        any device -> the keys of :meth:`encode`, float32 tensors with leading
        dim B (no host synchronisation)."""

    @abstractmethod
    def decode(self, encoded, *more_encoded):
        """The head's output for one sample (the codec says which; one array, or one
        per output as ``SimCCLabel.decode(simcc_x, simcc_y)``) -> keypoints (N, K, 2)
        crop pixels and scores (N, K), numpy."""

    def one_face_visibility(self, keypoints: np.ndarray, keypoints_visible: np.ndarray = None) -> np.ndarray:
        """For a codec that encodes one face per call, as mmpose's heatmap codecs do:
        refuses keypoints (N, K, 2) with N != 1 and returns the visibility (1, K)
        (all visible when None)."""
        if keypoints.shape[0] != 1:
            raise ValueError(f'{type(self).__name__} encodes one face at a time, '
                             f'got keypoints of shape {keypoints.shape}')
        if keypoints_visible is None:
            return np.ones(keypoints.shape[:2], dtype=np.float32)
        return keypoints_visible

    def normalised_to_crop_pixels(self, coords: np.ndarray) -> np.ndarray:
        """Coordinates (N, K, 2) normalised to the input -> crop pixels (N, K, 2)
        float64 (so mapping far-off points back to the image loses nothing)."""
        width, height = self.input_size
        return coords[..., :2] * np.array([width, height], dtype=np.float64)
