"""Every registered head keeps BaseHead's contract: forward, loss and predict_normalised, with
``predict`` (crop pixels) built on ``predict_normalised`` through the codec. A new head adds its
example to ``EXAMPLES``."""
import numpy as np
import pytest
import torch

import mmpose_face.models  # noqa: F401 (registers)
from base_class_contracts import assert_keeps_the_contract
from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.models.heads import BaseHead
from mmpose_face.registry import MODELS
from mmpose_face.structures import PoseDataSample

FLIP_INDICES = load_dataset_info('configs/_base_/datasets/wflw.py')['flip_indices']
K, INPUT_SIZE = 98, (32, 32)
INTEGRAL = dict(in_channels=4, in_featuremap_size=(2, 2), num_joints=K, deconv_out_channels=(4, 4),
                deconv_kernel_sizes=(4, 4),
                decoder=dict(type='IntegralRegressionLabel', input_size=INPUT_SIZE, heatmap_size=(8, 8), sigma=1.))
#: type -> (config, feature shape)
EXAMPLES = {
    'RegressionHead': (dict(in_channels=4, num_joints=K,
                            decoder=dict(type='RegressionLabel', input_size=INPUT_SIZE)), (4,)),
    'RLEHead': (dict(in_channels=4, num_joints=K, decoder=dict(type='RegressionLabel', input_size=INPUT_SIZE)),
                (4,)),
    'IntegralRegressionHead': (INTEGRAL, (4, 2, 2)),
    'DSNTHead': (INTEGRAL, (4, 2, 2)),
    'HeatmapHead': (dict(in_channels=4, out_channels=K, deconv_out_channels=(4, 4), deconv_kernel_sizes=(4, 4),
                         decoder=dict(type='MSRAHeatmap', input_size=INPUT_SIZE, heatmap_size=(8, 8), sigma=1.)),
                    (4, 2, 2)),
    'RTMCCHead': (dict(in_channels=4, out_channels=K, input_size=INPUT_SIZE, in_featuremap_size=(2, 2),
                       gau_cfg=dict(hidden_dims=8, s=4, expansion_factor=2, dropout_rate=0., drop_path=0.,
                                    act_fn='ReLU', use_rel_bias=False, pos_enc=False),
                       decoder=dict(type='SimCCLabel', input_size=INPUT_SIZE, sigma=2.0)), (4, 2, 2)),
}


def registered_heads():
    return {name for name, cls in MODELS.module_dict.items() if cls.__module__.startswith('mmpose_face.models.heads')}


def test_every_registered_head_has_an_example_here():
    assert registered_heads() == set(EXAMPLES)


@pytest.mark.parametrize('name', sorted(EXAMPLES))
def test_the_head_derives_from_the_base_and_implements_it(name):
    assert_keeps_the_contract(MODELS.get(name), BaseHead)
    assert BaseHead.__abstractmethods__ == {'num_keypoints', 'forward', 'loss', 'predict_normalised'}
    assert MODELS.build(dict(type=name, **EXAMPLES[name][0])).num_keypoints == K


@pytest.mark.parametrize('name', sorted(EXAMPLES))
@pytest.mark.parametrize('flip_test', [False, True])
def test_predict_is_predict_normalised_in_crop_pixels(name, flip_test):
    config, feature_shape = EXAMPLES[name]
    head = MODELS.build(dict(type=name, **config)).eval()
    torch.manual_seed(0)
    feats, mirrored = (torch.randn(2, *feature_shape),), (torch.randn(2, *feature_shape),)
    samples = [PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES, input_size=INPUT_SIZE)) for _ in range(2)]
    test_cfg = dict(flip_test=flip_test)
    with torch.no_grad():
        preds = head.predict((feats, mirrored) if flip_test else feats, samples, test_cfg)
        coords, scores = head.predict_normalised(feats, *((mirrored, FLIP_INDICES, INPUT_SIZE[0]) if flip_test
                                                          else ()), test_cfg=test_cfg)
    assert coords.shape == (2, K, 2) and scores.shape == (2, K)
    assert len(preds) == 2 and preds[0].keypoints.shape == (1, K, 2) and preds[0].keypoint_scores.shape == (1, K)
    np.testing.assert_array_equal(np.concatenate([p.keypoints for p in preds]),
                                  coords.numpy().astype(np.float64) * INPUT_SIZE[0])
    np.testing.assert_array_equal(np.concatenate([p.keypoint_scores for p in preds]), scores.numpy())


def test_a_head_without_predict_normalised_cannot_be_built():
    class TrainsOnly(BaseHead):
        def forward(self, feats):
            return feats[-1]

        def loss(self, feats, batch_data_samples, train_cfg=None):
            return {}

    with pytest.raises(TypeError, match='predict_normalised'):
        TrainsOnly()
