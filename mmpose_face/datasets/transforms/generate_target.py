"""Training targets from crop-space keypoints, through the codec."""
import warnings
from copy import deepcopy

from mmcv.transforms import BaseTransform

from mmpose_face.registry import KEYPOINT_CODECS, TRANSFORMS
from . import batch_stage as stages


@TRANSFORMS.register_module()
class GenerateTarget(BaseTransform):
    """Add ``keypoint_labels`` (1, K, 2) and ``keypoint_weights`` (1, K) from
    ``transformed_keypoints`` (else ``keypoints``) using ``encoder``.

    A ``keypoints_visible`` (N, K, 2) (``KeypointConverter``'s) is split, as
    mmpose, into ``keypoints_visible`` (N, K) and ``keypoints_visible_weights`` (N, K).

    Args (mmpose's):
        encoder: a codec config (one; regression has no multi-level targets).
        target_type: deprecated in mmpose (the encoder decides); warns.
        multilevel: needs a list of encoders in mmpose; refused here.
        use_dataset_keypoint_weights: multiply ``keypoint_weights`` by the
            data set's per-keypoint ``dataset_keypoint_weights`` (K,).
    """

    batch_stage = stages.TARGET  # how the fast path batches it

    def __init__(self, encoder: dict, target_type: str = None, multilevel: bool = False,
                 use_dataset_keypoint_weights: bool = False):
        super().__init__()
        if target_type is not None:
            warnings.warn('GenerateTarget: target_type is deprecated; the encoder decides the target',
                          DeprecationWarning)
        self.encoder_cfg = deepcopy(encoder)
        self.multilevel = multilevel
        self.use_dataset_keypoint_weights = use_dataset_keypoint_weights
        if isinstance(self.encoder_cfg, list):
            raise NotImplementedError('GenerateTarget: a list of encoders (multi-level targets) is not '
                                      'supported; give one codec config')
        assert not multilevel, 'GenerateTarget: multilevel=True needs multiple encoder configs'
        self.encoder = KEYPOINT_CODECS.build(self.encoder_cfg)

    def transform(self, results: dict) -> dict:
        if results.get('transformed_keypoints') is not None:
            keypoints = results['transformed_keypoints']
        elif results.get('keypoints') is not None:
            keypoints = results['keypoints']
        else:
            raise ValueError("GenerateTarget requires 'transformed_keypoints' or 'keypoints' in the results")
        keypoints_visible = results['keypoints_visible']
        if keypoints_visible.ndim == 3 and keypoints_visible.shape[2] == 2:
            # (N, K, 2) from KeypointConverter: visibility, and a weight that is 0 where no source point maps
            keypoints_visible, results['keypoints_visible_weights'] = keypoints_visible[..., 0], \
                keypoints_visible[..., 1]
            results['keypoints_visible'] = keypoints_visible
        encoded = self.encoder.encode(keypoints, keypoints_visible)
        if self.use_dataset_keypoint_weights:
            encoded['keypoint_weights'] = encoded['keypoint_weights'] * results['dataset_keypoint_weights']
        results.update(encoded)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(encoder={self.encoder_cfg}, '
                f'use_dataset_keypoint_weights={self.use_dataset_keypoint_weights})')
