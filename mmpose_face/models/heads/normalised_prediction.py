"""The test-time contract of the coordinate heads: crop-normalised coordinates and scores, in torch.

Each head implements ``predict_normalised`` once (its own flip-test maths and
scores); ``predict`` (the mmpose API, crop pixels in ``InstanceData``) and the
ONNX export (:class:`~mmpose_face.apis.onnx_export.LandmarkExportWrapper`) both
call it, so the exported graph computes what ``tools/test.py`` reports.
"""
from mmengine.structures import InstanceData


class NormalisedPredictionMixin:
    """``predict`` for a head that has ``decoder`` (a codec) and ``predict_normalised``.

    ``predict_normalised(feats, feats_flipped=None, flip_indices=None, input_width=None,
    test_cfg=None)`` -> ``(coords, scores)``:

    - feats: the backbone's (and neck's) output for the crops (a tuple of tensors);
    - feats_flipped: the same for the mirrored crops (``inputs.flip(-1)``), or
      None for no flip test; then ``flip_indices`` (K ints, left <-> right)
      and ``input_width`` (crop pixels, for ``test_cfg.shift_coords``) are needed;
    - coords: (B, K, 2) float, (x, y) normalised to the crop (crop pixels =
      ``coords * (W, H)``); scores: (B, K) float, the head's confidence per point.
    """

    def predict_normalised(self, feats, feats_flipped=None, flip_indices=None, input_width=None,
                           test_cfg=None):
        raise NotImplementedError(f'{type(self).__name__} does not implement predict_normalised')

    def predict(self, feats, batch_data_samples, test_cfg=None) -> list:
        """Crop-pixel keypoints and scores, one :class:`InstanceData` per face.

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
        keypoints, _ = self.decoder.decode(coords.detach().float().cpu().numpy())
        scores = scores.detach().float().cpu().numpy()
        return [InstanceData(keypoints=keypoints[i:i + 1], keypoint_scores=scores[i:i + 1])
                for i in range(len(keypoints))]
