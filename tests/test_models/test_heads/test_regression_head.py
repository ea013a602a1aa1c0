"""RegressionHead: (B, K, 2) normalised coordinates from its fc, the configured loss of those outputs
with mmpose's ``acc_pose``, and a flip test that equals the plain prediction for a mirror-consistent model.
"""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.registry import MODELS
from mmpose_face.structures import PoseDataSample

FLIP_INDICES = load_dataset_info('configs/_base_/datasets/wflw.py')['flip_indices']
K = 98


def build_head(in_channels=4, num_joints=K, loss=dict(type='L1Loss', use_target_weight=True),
               input_size=(64, 64)):
    head = MODELS.build(dict(type='RegressionHead', in_channels=in_channels, num_joints=num_joints,
                             loss=loss, decoder=dict(type='RegressionLabel', input_size=input_size)))
    head.init_weights()
    return head


def sample_with_labels(labels, weights, input_size=(64, 64)):
    sample = PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES, input_size=input_size))
    sample.gt_instance_labels = InstanceData(keypoint_labels=torch.as_tensor(labels)[None].float(),
                                             keypoint_weights=torch.as_tensor(weights)[None].float())
    return sample


def test_regression_head_forward_gives_B_K_2():
    head = build_head(in_channels=16)
    pooled = torch.randn(3, 16)
    coords = head((pooled, ))  # the last (here only) feature is used
    assert coords.shape == (3, K, 2)
    assert torch.equal(coords[1, 7], head.fc(pooled)[1, 14:16])  # x, y of point 7 are outputs 14, 15


def test_regression_head_loss_dict_is_the_configured_loss_of_fc_outputs():
    head = build_head(in_channels=8)
    feats = (torch.randn(2, 8), )
    labels, weights = torch.rand(2, K, 2), torch.ones(2, K)
    weights[0, :10] = 0
    losses = head.loss(feats, [sample_with_labels(labels[i], weights[i]) for i in range(2)])
    assert set(losses) == {'loss_kpt', 'acc_pose'}  # acc_pose: tests/test_models/test_utils/test_pck_accuracy.py
    pred = head.fc(feats[0]).reshape(2, K, 2)
    expected = ((pred - labels).abs() * weights[..., None]).mean()
    assert losses['loss_kpt'].item() == pytest.approx(expected.item(), rel=1e-5)
    losses['loss_kpt'].backward()
    assert head.fc.weight.grad is not None and torch.isfinite(head.fc.weight.grad).all()


def mirrored(coords: torch.Tensor, width: int) -> torch.Tensor:
    """What a perfect model predicts on the mirrored crop: pixel x -> w - 1 - x,
    normalised x -> 1 - 1/w - x, and left/right points swap names."""
    out = coords.clone()[:, FLIP_INDICES]
    out[..., 0] = 1 - 1 / width - out[..., 0]
    return out


def head_answering(head, answers):
    """Set the fc so that the one-hot feature i gives ``answers[i]`` (K, 2)."""
    with torch.no_grad():
        head.fc.weight.copy_(torch.stack([a.flatten() for a in answers], dim=1))
        head.fc.bias.zero_()


def test_flip_test_of_a_mirror_consistent_model_equals_the_plain_prediction():
    width = 64
    head = build_head(in_channels=2, input_size=(width, width))
    coords = torch.rand(1, K, 2)
    head_answering(head, [coords[0], mirrored(coords, width)[0]])
    plain_feature, mirrored_feature = torch.tensor([[1., 0.]]), torch.tensor([[0., 1.]])
    samples = [sample_with_labels(torch.zeros(K, 2), torch.ones(K))]
    plain = head.predict((plain_feature, ), samples, test_cfg=dict(flip_test=False))
    flipped = head.predict(((plain_feature, ), (mirrored_feature, )), samples,
                           test_cfg=dict(flip_test=True, shift_coords=True))
    np.testing.assert_allclose(flipped[0].keypoints, plain[0].keypoints, atol=1e-4)
    np.testing.assert_allclose(plain[0].keypoints, coords.numpy() * width, atol=1e-4)
    assert plain[0].keypoints.shape == (1, K, 2) and (plain[0].keypoint_scores == 1).all()
    # without the shift, the average lands half a pixel to the right
    unshifted = head.predict(((plain_feature, ), (mirrored_feature, )), samples,
                             test_cfg=dict(flip_test=True, shift_coords=False))
    np.testing.assert_allclose(unshifted[0].keypoints[..., 0] - plain[0].keypoints[..., 0], 0.5, atol=1e-4)


def test_regression_head_loss_returns_acc_pose_as_a_tensor_without_gradient():
    head = MODELS.build(dict(type='RegressionHead', in_channels=4, num_joints=3,
                             loss=dict(type='L1Loss', use_target_weight=True)))
    head.init_weights()
    with torch.no_grad():
        head.fc.bias.copy_(torch.tensor([0.5, 0.5, 0.2, 0.2, 0.9, 0.1]))
    labels = torch.tensor([[[0.5, 0.5], [0.2, 0.2], [0.5, 0.5]]])  # point 2 is far off
    samples = []
    for _ in range(2):
        sample = PoseDataSample()
        sample.gt_instance_labels = InstanceData(keypoint_labels=labels, keypoint_weights=torch.ones(1, 3))
        samples.append(sample)
    losses = head.loss((torch.zeros(2, 4), ), samples)
    assert isinstance(losses['acc_pose'], torch.Tensor) and not losses['acc_pose'].requires_grad
    assert losses['acc_pose'].item() == pytest.approx(2 / 3)
