"""The contract of every head: features -> outputs, a loss, and predictions in torch and in crop pixels."""
from abc import ABCMeta, abstractmethod

from mmengine.model import BaseModule
from mmengine.structures import InstanceData


class BaseHead(BaseModule, metaclass=ABCMeta):
    """A head turns the backbone's (and neck's) features into keypoints.

    A subclass sets ``decoder`` (its codec, a
    :class:`~mmpose_face.codecs.BaseKeypointCodec`, or None) and implements:

    - ``num_keypoints``: K (a property; mmpose's heads keep it as ``num_joints``
      or ``out_channels``), which the export and the prediction core read.

    - ``forward(feats)``: feats is a tuple of tensors whose last item the head
      reads; returns its raw output (what ``TopdownPoseEstimator`` gives in
      ``mode='tensor'``), e.g. (B, K, 2) coordinates or (B, K, H, W) heatmaps.
    - ``loss(feats, batch_data_samples, train_cfg=None) -> dict``: at least
      ``loss_kpt`` (a scalar tensor) and ``acc_pose`` (a 0-d tensor on the
      device); the targets are those of the codec's ``encode``, packed in
      ``gt_instance_labels`` and ``gt_fields`` of each sample.
    - ``predict_normalised(feats, feats_flipped=None, flip_indices=None,
      input_width=None, test_cfg=None) -> (coords, scores)``, in torch, on the
      device, traceable (the ONNX export and the prediction core call it):

      - feats_flipped: the features of the mirrored crops (``inputs.flip(-1)``)
        for the flip test, or None; then ``flip_indices`` (K ints, left <->
        right) and ``input_width`` (crop pixels) are given;
      - coords (B, K, 2) float, (x, y) normalised to the crop (crop pixels =
        ``coords * (w, h)``); scores (B, K) float, the confidence per point.

      The head does its own output -> coordinates maths here (a heatmap head
      through its codec's batched decode), so one function serves every
      front end.

    :meth:`predict` (mmpose's API: crop pixels in ``InstanceData``) is built
    on ``predict_normalised``, so ``tools/test.py`` reports what an exported
    model computes.
    """

    decoder = None

    @property
    @abstractmethod
    def num_keypoints(self) -> int:
        """K, the keypoints the head predicts (mmpose's ``num_joints`` or ``out_channels``)."""

    @abstractmethod
    def forward(self, feats):
        """feats: tuple of tensors -> the head's raw output."""

    @abstractmethod
    def loss(self, feats, batch_data_samples, train_cfg=None) -> dict:
        """-> ``loss_kpt`` and ``acc_pose`` (and any other logged terms), tensors on the device."""

    @abstractmethod
    def predict_normalised(self, feats, feats_flipped=None, flip_indices=None, input_width=None,
                           test_cfg=None):
        """-> coords (B, K, 2) normalised to the crop, scores (B, K); see the class docstring."""

    def predict(self, feats, batch_data_samples, test_cfg=None) -> list:
        """Crop-pixel keypoints (1, K, 2) float64 and scores (1, K), one :class:`InstanceData` per face.

        With ``test_cfg['flip_test']`` ``feats`` is ``(feats, feats_of_flipped_input)``;
        flip pairs and input width come from the first sample's metainfo."""
        test_cfg = test_cfg or {}
        if test_cfg.get('flip_test', False):
            metainfo = batch_data_samples[0].metainfo
            feats_plain, feats_flipped = feats
            coords, scores = self.predict_normalised(feats_plain, feats_flipped, metainfo['flip_indices'],
                                                     metainfo['input_size'][0], test_cfg)
        else:
            coords, scores = self.predict_normalised(feats, test_cfg=test_cfg)
        return self.instances_in_crop_pixels(coords, scores)

    def instances_in_crop_pixels(self, coords, scores) -> list:
        """coords (B, K, 2) normalised and scores (B, K), tensors -> one :class:`InstanceData`
        per face: ``keypoints`` (1, K, 2) crop pixels float64 (the codec's
        ``normalised_to_crop_pixels``), ``keypoint_scores`` (1, K) float32."""
        keypoints = self.decoder.normalised_to_crop_pixels(coords.detach().float().cpu().numpy())
        scores = scores.detach().float().cpu().numpy()
        return [InstanceData(keypoints=keypoints[i:i + 1], keypoint_scores=scores[i:i + 1])
                for i in range(len(keypoints))]
