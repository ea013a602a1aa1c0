"""RLEHead: scores from sigma, flip test, its loss, mmpose's state-dict keys, and learning coordinates
with scores."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmpose_face.registry import MODELS
from mmpose_face.structures import PoseDataSample

from test_models.regression_family_parts import (  # noqa: F401 (mmpose_face_scope: an autouse fixture)
    FLIP_INDICES, K, mmpose_face_scope, randomise, samples)


# --------------------------------------------------------------------------- RLE head
def rle_head(input_size=(64, 64)):
    head = MODELS.build(dict(type='RLEHead', in_channels=8, num_joints=K,
                             decoder=dict(type='RegressionLabel', input_size=input_size)))
    return randomise(head, std=0.5).eval()


def test_rle_head_scores_are_one_minus_sigmoid_sigma_and_follow_uncertainty():
    head = rle_head()
    feats = (torch.randn(2, 8),)
    raw = head.forward(feats)
    assert raw.shape == (2, K, 4)
    (first, *_), = [head.predict(feats, samples(torch.zeros(2, 1, K, 2), torch.ones(2, 1, K)))]
    sigma = raw[0, :, 2:].sigmoid().detach().numpy()
    assert np.allclose(first.keypoint_scores[0], (1 - sigma).mean(-1), atol=1e-6)
    assert np.allclose(first.keypoints[0], raw[0, :, :2].detach().numpy() * 64, atol=1e-4)
    assert first.keypoint_scores.std() > 0.01  # scores differ from point to point


def test_rle_flip_test_averages_coordinates_and_flipped_sigmas():
    head = rle_head()
    feats, feats_flipped = (torch.randn(2, 8),), (torch.randn(2, 8),)
    batch = samples(torch.zeros(2, 1, K, 2), torch.ones(2, 1, K))
    preds = head.predict((feats, feats_flipped), batch, dict(flip_test=True, shift_coords=True))
    plain = head.forward(feats).detach().numpy()
    mirrored = head.forward(feats_flipped).detach().numpy()[:, FLIP_INDICES]
    mirrored[..., 0] = 1 - mirrored[..., 0] - 1 / 64
    sigmoid = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    coords = (plain[..., :2] + mirrored[..., :2]) / 2
    sigma = (sigmoid(plain[..., 2:]) + sigmoid(mirrored[..., 2:])) / 2
    for i, pred in enumerate(preds):
        assert np.allclose(pred.keypoints[0], coords[i] * 64, atol=1e-4)
        assert np.allclose(pred.keypoint_scores[0], (1 - sigma[i]).mean(-1), atol=1e-6)


def test_rle_head_loss_is_rle_loss_of_its_outputs_and_logs_acc_pose():
    head = rle_head()
    feats = (torch.randn(3, 8),)
    labels, weights = torch.rand(3, K, 2), (torch.rand(3, K) > 0.3).float()
    losses = head.loss(feats, samples(labels, weights))
    out = head.forward(feats)
    assert losses['loss_kpt'].item() == pytest.approx(
        head.loss_module(out[..., :2], out[..., 2:], labels, weights[..., None]).item())
    assert 0 <= losses['acc_pose'].item() <= 1 and losses['acc_pose'].device == labels.device


def test_rle_head_keeps_the_flow_in_its_state_dict_and_reads_old_loss_keys():
    head = rle_head()
    keys = set(head.state_dict())
    assert {'fc.weight', 'fc.bias', 'loss_module.flow_model.s.5.4.bias', 'loss_module.flow_model.mask'} <= keys
    assert head.fc.out_features == 4 * K
    old = {('loss.' + key[len('loss_module.'):] if key.startswith('loss_module.') else key): value * 2
           for key, value in head.state_dict().items()}  # a pre-1.0 file: no version metadata
    fresh = rle_head()
    fresh.load_state_dict(old)
    assert torch.equal(fresh.loss_module.flow_model.s[0][0].weight, old['loss.flow_model.s.0.0.weight'])


# --------------------------------------------------------------------------- learning
def test_rle_head_learns_coordinates_and_scores_noisy_points_lower(one_thread):
    """Fixed features -> targets: linear in the features, half of the points with
    16x more label noise. RLE learns the coordinates, and its sigma scores the
    noisy points lower (the end-to-end learning runs are in
    benchmarks/regression_family_synthetic_wflw.py)."""
    torch.manual_seed(0)
    num_points, channels = 8, 16
    head = MODELS.build(dict(type='RLEHead', in_channels=channels, num_joints=num_points,
                             decoder=dict(type='RegressionLabel', input_size=(64, 64))))
    head.init_weights()
    mapping = torch.randn(channels, num_points * 2) * 0.1
    noise = torch.full((num_points, 1), 0.005)
    noise[num_points // 2:] = 0.08
    feats = torch.randn(512, channels)
    targets = (feats @ mapping).reshape(-1, num_points, 2) + 0.5 + torch.randn(512, num_points, 2) * noise
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(300):
        batch = torch.randint(0, 512, (64,))
        labels = targets[batch].reshape(64, 1, num_points, 2)
        loss = head.loss((feats[batch],), [
            _sample(labels[i], num_points) for i in range(64)])['loss_kpt']
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    head.eval()
    test_feats = torch.randn(256, channels)
    truth = (test_feats @ mapping).reshape(-1, num_points, 2) + 0.5
    with torch.no_grad():
        out = head((test_feats,))
    error = (out[..., :2] - truth).norm(dim=-1).mean()
    assert error < 0.3 * (0.5 - truth).norm(dim=-1).mean()  # far better than the mean point
    scores = (1 - out[..., 2:].sigmoid()).mean(-1)
    assert scores[:, :num_points // 2].mean() > scores[:, num_points // 2:].mean() + 0.1


def _sample(labels, num_points):
    sample = PoseDataSample(metainfo=dict(input_size=(64, 64)))
    sample.gt_instance_labels = InstanceData(keypoint_labels=labels, keypoint_weights=torch.ones(1, num_points))
    return sample
