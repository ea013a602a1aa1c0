"""RTMCCHead: RTMPose's SimCC head (mmpose's arguments, state-dict keys and init), trained on
SimCCLabel targets with KLDiscretLoss and predicting through the codec, in the estimator too.
Values against mmpose 1.3.2 itself: tests/test_models/test_regression_family_mmpose.py."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.models.utils import flip_vectors, simcc_pck_accuracy
from mmpose_face.registry import KEYPOINT_CODECS, MODELS
from mmpose_face.structures import PoseDataSample

FLIP_INDICES = load_dataset_info('configs/_base_/datasets/wflw.py')['flip_indices']
K, INPUT_SIZE = 98, (32, 32)
CODEC = dict(type='SimCCLabel', input_size=INPUT_SIZE, sigma=(5.66, 5.66), simcc_split_ratio=2.0, normalize=False)
GAU = dict(hidden_dims=16, s=8, expansion_factor=2, dropout_rate=0., drop_path=0., act_fn='SiLU',
           use_rel_bias=False, pos_enc=False)


def rtmcc_head(**kwargs):
    """2 x 2 features of 8 channels -> 64 bins per axis."""
    torch.manual_seed(0)
    head = MODELS.build({**dict(type='RTMCCHead', in_channels=8, out_channels=K, input_size=INPUT_SIZE,
                                in_featuremap_size=(2, 2), gau_cfg=GAU, decoder=CODEC), **kwargs})
    return head.eval()


def samples(keypoints, visible=None):
    codec = KEYPOINT_CODECS.build(CODEC)
    batch = []
    for i in range(len(keypoints)):
        encoded = codec.encode(keypoints[i:i + 1], None if visible is None else visible[i:i + 1])
        sample = PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES, input_size=INPUT_SIZE))
        sample.gt_instance_labels = InstanceData(**{key: torch.from_numpy(value) for key, value in encoded.items()})
        batch.append(sample)
    return batch


def test_the_face_m_config_has_mmpose_state_dict_keys_and_shapes():
    """rtmpose-m_8xb64-60e_wflw-256x256's head: CSPNeXt-m's 768 channels at 8 x 8."""
    head = MODELS.build(dict(type='RTMCCHead', in_channels=768, out_channels=98, input_size=(256, 256),
                             in_featuremap_size=(8, 8), simcc_split_ratio=2.0, final_layer_kernel_size=7,
                             gau_cfg=dict(hidden_dims=256, s=128, expansion_factor=2, dropout_rate=0., drop_path=0.,
                                          act_fn='SiLU', use_rel_bias=False, pos_enc=False)))
    shapes = {key: tuple(value.shape) for key, value in head.state_dict().items()}
    assert shapes == {
        'final_layer.weight': (98, 768, 7, 7), 'final_layer.bias': (98,), 'mlp.0.g': (1,), 'mlp.1.weight': (256, 64),
        'gau.o.weight': (256, 512), 'gau.uv.weight': (2 * 512 + 128, 256), 'gau.gamma': (2, 128),
        'gau.beta': (2, 128), 'gau.ln.g': (1,), 'gau.res_scale.scale': (256,),
        'cls_x.weight': (512, 256), 'cls_y.weight': (512, 256)}
    assert head.num_keypoints == 98 and type(head.loss_module).__name__ == 'KLDiscretLoss'
    with_bias = MODELS.build(dict(type='RTMCCHead', in_channels=8, out_channels=K, input_size=INPUT_SIZE,
                                  in_featuremap_size=(2, 2), gau_cfg=dict(GAU, use_rel_bias=True)))
    assert tuple(with_bias.state_dict()['gau.w'].shape) == (2 * K - 1,)


def test_default_init_is_mmpose_normal_linear_and_convolution_weights():
    head = rtmcc_head()
    head.init_weights()
    assert head.cls_x.weight.std().item() == pytest.approx(0.01, rel=0.1)
    assert head.gau.uv.weight.std().item() == pytest.approx(0.01, rel=0.1)  # Normal overrides xavier, as mmpose
    assert head.final_layer.weight.std().item() == pytest.approx(0.001, rel=0.1)
    assert (head.final_layer.bias == 0).all() and head.mlp[0].g.item() == 1.0


def test_several_feature_maps_are_refused():
    with pytest.raises(ValueError, match='multiple input features'):
        MODELS.build(dict(type='RTMCCHead', in_channels=[4, 8], out_channels=K, input_size=INPUT_SIZE,
                          in_featuremap_size=(2, 2), gau_cfg=GAU))


def test_forward_gives_one_vector_per_axis_and_keypoint():
    head = rtmcc_head(input_size=(32, 24), decoder=dict(CODEC, input_size=(32, 24)))
    pred_x, pred_y = head.forward((torch.randn(3, 8, 2, 2),))
    assert pred_x.shape == (3, K, 64) and pred_y.shape == (3, K, 48)


def test_loss_is_the_kl_loss_of_the_vectors_and_acc_pose_their_pck():
    head = rtmcc_head()
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(0, 31, (2, K, 2)).astype(np.float32)
    visible = (rng.uniform(size=(2, K)) > 0.3).astype(np.float32)
    batch, feats = samples(keypoints, visible), (torch.randn(2, 8, 2, 2),)
    losses = head.loss(feats, batch)
    pred = head.forward(feats)
    labels = [torch.cat([s.gt_instance_labels[key] for s in batch]) for key in ('keypoint_x_labels',
                                                                             'keypoint_y_labels')]
    weights = torch.cat([s.gt_instance_labels.keypoint_weights for s in batch])
    assert losses['loss_kpt'].item() == pytest.approx(head.loss_module(pred, labels, weights).item(), rel=1e-6)
    assert losses['acc_pose'].item() == pytest.approx(simcc_pck_accuracy(pred, labels, 2.0, weights).item())
    losses['loss_kpt'].backward()
    assert head.cls_x.weight.grad.abs().sum() > 0


def test_predict_decodes_the_vectors_and_the_flip_test_averages_the_flipped_back_mirror():
    head = rtmcc_head()
    feats, mirrored = (torch.randn(2, 8, 2, 2),), (torch.randn(2, 8, 2, 2),)
    batch = [PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES, input_size=INPUT_SIZE)) for _ in range(2)]
    codec = KEYPOINT_CODECS.build(CODEC)
    with torch.no_grad():
        pred_x, pred_y = head.forward(feats)
        mirror_x, mirror_y = flip_vectors(*head.forward(mirrored), FLIP_INDICES)
        averaged = ((pred_x + mirror_x) / 2, (pred_y + mirror_y) / 2)
        for flip_test, (x, y) in ((False, (pred_x, pred_y)), (True, averaged)):
            preds = head.predict((feats, mirrored) if flip_test else feats, batch, dict(flip_test=flip_test))
            for i, pred in enumerate(preds):
                keypoints, scores = codec.decode(x[i].numpy(), y[i].numpy())
                np.testing.assert_allclose(pred.keypoints, keypoints, atol=1e-5)
                np.testing.assert_array_equal(pred.keypoint_scores, scores)
    assert np.ptp(preds[0].keypoint_scores) > 0


def test_output_heatmaps_gives_the_outer_product_of_the_normalised_vectors():
    head = rtmcc_head()
    batch = [PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES, input_size=INPUT_SIZE))]
    with torch.no_grad():
        preds, fields = head.predict((torch.randn(1, 8, 2, 2),), batch, dict(output_heatmaps=True))
    assert fields[0].heatmaps.shape == (K, 64, 64)
    x, y = preds[0].keypoint_x_labels, preds[0].keypoint_y_labels
    assert x.shape == (1, K, 64) and (x >= 0).all() and (x <= 1 + 1e-6).all()
    np.testing.assert_allclose(fields[0].heatmaps[5].numpy(), np.outer(y[0, 5], x[0, 5]), rtol=1e-5, atol=1e-7)


def test_a_codec_with_decode_visibility_gives_keypoints_visible():
    head = rtmcc_head(decoder=dict(CODEC, decode_visibility=True))
    batch = [PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES, input_size=INPUT_SIZE))]
    with torch.no_grad():
        pred = head.predict((torch.randn(1, 8, 2, 2),), batch)[0]
    assert pred.keypoints_visible.shape == (1, K) and (pred.keypoints_visible > 0).all()
    assert not np.array_equal(pred.keypoints_visible, pred.keypoint_scores)


def test_predicting_without_a_decoder_says_so():
    head = rtmcc_head(decoder=None)
    with pytest.raises(ValueError, match='decoder'):
        head.predict_normalised((torch.randn(1, 8, 2, 2),))


def test_the_estimator_trains_and_predicts_with_it_flip_test_included():
    model = MODELS.build(dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='ResNet', depth=18, base_channels=8, stem_channels=8, num_stages=4),
        head=dict(type='RTMCCHead', in_channels=64, out_channels=K, input_size=INPUT_SIZE, in_featuremap_size=(1, 1),
                  gau_cfg=GAU, decoder=CODEC),
        test_cfg=dict(flip_test=True)))
    model.init_weights()
    inputs = torch.randn(2, 3, 32, 32)
    keypoints = np.random.default_rng(1).uniform(0, 31, (2, K, 2)).astype(np.float32)
    batch = samples(keypoints)
    losses = model(inputs, batch, mode='loss')
    assert set(losses) == {'loss_kpt', 'acc_pose'} and torch.isfinite(losses['loss_kpt'])
    model.eval()
    for sample in batch:
        sample.set_metainfo(dict(input_center=np.array([16., 16.]), input_scale=np.array([32., 32.])))
    with torch.no_grad():
        results = model(inputs, batch, mode='predict')
        pred_x, pred_y = model(inputs, mode='tensor')
    assert results[0].pred_instances.keypoints.shape == (1, K, 2) and pred_x.shape == (2, K, 64)
    np.testing.assert_array_equal(results[0].pred_instances.keypoints_visible,
                                  results[0].pred_instances.keypoint_scores)
