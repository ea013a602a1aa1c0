"""Training targets from crop-space keypoints, through the codec."""
from mmpose_face.registry import KEYPOINT_CODECS, TRANSFORMS


@TRANSFORMS.register_module()
class GenerateTarget:
    """Add ``keypoint_labels`` (1, K, 2) and ``keypoint_weights`` (1, K) from
    ``transformed_keypoints`` using ``encoder`` (a codec config)."""

    def __init__(self, encoder: dict):
        self.encoder = KEYPOINT_CODECS.build(encoder)

    def __call__(self, results: dict) -> dict:
        results.update(self.encoder.encode(results['transformed_keypoints'], results['keypoints_visible']))
        return results
