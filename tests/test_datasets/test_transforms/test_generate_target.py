"""GenerateTarget: the codec's labels and weights, times the data set's keypoint weights on request."""
import numpy as np
import pytest

from mmpose_face.datasets.transforms import GenerateTarget, GetBBoxCenterScale, TopdownAffine

from test_datasets.wflw_samples import CODEC, copy_of, face


def test_generate_target_use_dataset_keypoint_weights(face):
    results = TopdownAffine(input_size=(64, 64))(GetBBoxCenterScale()(copy_of(face)))
    results['dataset_keypoint_weights'] = np.linspace(0.5, 1.5, 98).astype(np.float32)
    plain = GenerateTarget(encoder=CODEC)(copy_of(results))['keypoint_weights']
    weighted = GenerateTarget(encoder=CODEC, use_dataset_keypoint_weights=True)(copy_of(results))['keypoint_weights']
    np.testing.assert_allclose(weighted, plain * results['dataset_keypoint_weights'])
    with pytest.raises(AssertionError):
        GenerateTarget(encoder=CODEC, multilevel=True)
