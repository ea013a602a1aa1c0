"""The regression family: RLE (sigma + RealNVP flow), integral regression and DSNT.

Losses against their formulas written out here, the flow against the change
of variables, the soft-argmax against a hand expectation, flip tests against
mirrored inputs, scores from sigma and from heatmaps, mmpose's state-dict
layout, and one estimator end to end on the real samples.
"""
import math

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.models.heads.integral_regression_head import heatmap_mass_near
from mmpose_face.models.utils import RealNVP
from mmpose_face.registry import KEYPOINT_CODECS, MODELS
from mmpose_face.structures import PoseDataSample

FLIP_INDICES = load_dataset_info('configs/_base_/datasets/wflw.py')['flip_indices']
K = 98


@pytest.fixture(autouse=True, scope='module')
def mmpose_face_scope():
    init_default_scope('mmpose_face')


def samples(labels, weights, heatmaps=None, input_size=(64, 64)):
    out = []
    for i in range(len(labels)):
        sample = PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES, input_size=input_size))
        sample.gt_instance_labels = InstanceData(keypoint_labels=labels[i:i + 1],
                                                 keypoint_weights=weights[i:i + 1])
        if heatmaps is not None:
            sample.gt_fields = PixelData(heatmaps=heatmaps[i])
        out.append(sample)
    return out


def randomise(module, std=0.3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            if parameter.requires_grad:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * std)
    return module


# --------------------------------------------------------------------------- RealNVP
def test_realnvp_log_prob_is_the_change_of_variables_formula():
    flow = randomise(RealNVP(), std=0.4)
    x = torch.randn(5, 2, dtype=torch.float64)
    flow = flow.double()
    for i in range(5):
        z, _ = flow.to_latent(x[i:i + 1])
        jacobian = torch.autograd.functional.jacobian(lambda p: flow.to_latent(p.reshape(1, 2))[0][0], x[i])
        expected = -0.5 * (z ** 2).sum() - math.log(2 * math.pi) + torch.log(torch.det(jacobian).abs())
        assert torch.allclose(flow.log_prob(x[i:i + 1])[0], expected, atol=1e-9)


def test_realnvp_density_integrates_to_one_and_is_not_the_prior():
    flow = randomise(RealNVP(), std=0.1).double()
    axis = torch.linspace(-7, 7, 141, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(axis, axis, indexing='xy'), dim=-1).reshape(-1, 2)
    with torch.no_grad():
        density = flow.log_prob(grid).exp()
    cell = float(axis[1] - axis[0]) ** 2
    assert abs(float(density.sum()) * cell - 1.0) < 2e-3
    prior = torch.distributions.MultivariateNormal(torch.zeros(2, dtype=torch.float64),
                                                   torch.eye(2, dtype=torch.float64))
    assert float((density - prior.log_prob(grid).exp()).abs().max()) > 1e-3


def test_realnvp_state_dict_keys_are_mmposes():
    keys = set(RealNVP().state_dict())
    assert {'loc', 'cov', 'mask'} <= keys
    assert keys == {f'{net}.{i}.{j}.{p}' for net in 'st' for i in range(6) for j in (0, 2, 4)
                    for p in ('weight', 'bias')} | {'loc', 'cov', 'mask'}


# --------------------------------------------------------------------------- losses
def identity_flow(loss):
    """Zero couplings: z = x, log|det| = 0, so phi is the standard 2-D normal."""
    with torch.no_grad():
        for parameter in loss.flow_model.parameters():
            parameter.zero_()
    return loss


@pytest.mark.parametrize('q_distribution, residual, size_average',
                         [('laplace', True, True), ('gaussian', True, False), ('laplace', False, True)])
def test_rle_loss_equals_the_formula(q_distribution, residual, size_average):
    loss = identity_flow(MODELS.build(dict(type='RLELoss', use_target_weight=True, residual=residual,
                                           q_distribution=q_distribution, size_average=size_average))).double()
    rng = np.random.default_rng(0)
    pred, raw_sigma, target = (rng.normal(size=(3, 4, 2)) for _ in range(3))
    weight = rng.integers(0, 2, size=(3, 4, 1)).astype(np.float64)
    sigma = 1 / (1 + np.exp(-raw_sigma))
    error = (pred - target) / (sigma + 1e-9)
    log_phi = -0.5 * (error ** 2).sum(-1, keepdims=True) - math.log(2 * math.pi)  # both axes at once
    expected = np.log(sigma) - log_phi
    if residual:
        expected += (np.log(2 * sigma) + np.abs(error) if q_distribution == 'laplace'
                     else np.log(math.sqrt(2 * math.pi) * sigma) + 0.5 * error ** 2)
    expected = (expected * weight).sum() / (3 if size_average else 1)
    value = loss(*(torch.from_numpy(a) for a in (pred, raw_sigma, target, weight)))
    assert value.item() == pytest.approx(expected, rel=1e-9)


def test_rle_loss_rejects_an_unknown_q_distribution():
    with pytest.raises(ValueError, match='q_distribution'):
        MODELS.build(dict(type='RLELoss', q_distribution='cauchy'))


def test_rle_loss_prefers_the_sigma_that_fits_the_error():
    loss = MODELS.build(dict(type='RLELoss'))
    pred, target = torch.zeros(64, 1, 2), torch.randn(64, 1, 2) * 0.05
    values = {s: loss(pred, torch.full_like(pred, math.log(s / (1 - s))), target).item()
              for s in (0.005, 0.05, 0.5)}
    assert values[0.05] < values[0.005] and values[0.05] < values[0.5]


def test_js_discrete_loss_equals_the_formula_with_empty_cells():
    rng = np.random.default_rng(1)
    pred = rng.uniform(size=(2, 3, 4, 4))
    pred /= pred.sum((-1, -2), keepdims=True)
    gt = np.zeros_like(pred)
    gt[..., 1:3, 1:3] = rng.uniform(size=(2, 3, 2, 2))
    gt /= gt.sum((-1, -2), keepdims=True)
    weight = np.array([[1., 0., 1.], [1., 1., 0.]])

    def kl(p, q):
        return np.where(p > 0, p * (np.log(np.where(p > 0, p, 1)) - np.log(q + 1e-24)), 0.)

    w = weight[..., None, None]
    p, g = pred * w, gt * w
    m = 0.5 * (p + g)
    expected = (0.5 * (kl(p, m) + kl(g, m))).sum() / 2
    loss = MODELS.build(dict(type='JSDiscretLoss', use_target_weight=True))
    assert loss(torch.from_numpy(pred), torch.from_numpy(gt), torch.from_numpy(weight)).item() == \
        pytest.approx(expected, rel=1e-9)
    assert loss(torch.from_numpy(gt), torch.from_numpy(gt), torch.from_numpy(weight)).item() == \
        pytest.approx(0, abs=1e-12)


def test_js_discrete_loss_gradient_is_finite_where_a_weight_is_zero():
    """A point outside the crop (weight 0) zeroes its heatmaps; torch's kl_div would
    give NaN gradients there (mmpose 1.3.2 does), which would end the run."""
    pred = torch.softmax(torch.randn(2, 3, 16), -1).reshape(2, 3, 4, 4).requires_grad_()
    gt = torch.softmax(torch.randn(2, 3, 16), -1).reshape(2, 3, 4, 4)
    gt[0, 1] = 0
    loss = MODELS.build(dict(type='JSDiscretLoss', use_target_weight=True))
    loss(pred, gt, torch.tensor([[1., 0., 1.], [1., 1., 1.]])).backward()
    assert torch.isfinite(pred.grad).all() and pred.grad[0, 1].abs().max() == 0
    assert pred.grad[0, 0].abs().max() > 0


def test_keypoint_mse_loss_masks_by_weights_and_empty_channels():
    output, target = torch.rand(2, 3, 4, 4, dtype=torch.float64), torch.rand(2, 3, 4, 4, dtype=torch.float64)
    target[0, 1] = 0
    weights = torch.tensor([[1., 1., 0.], [0., 1., 1.]], dtype=torch.float64)
    mask = weights[..., None, None] * (target != 0).flatten(2).any(2)[..., None, None]
    expected = (((output - target) ** 2) * mask).mean() * 0.5
    loss = MODELS.build(dict(type='KeypointMSELoss', use_target_weight=True, skip_empty_channel=True,
                             loss_weight=0.5))
    assert loss(output, target, weights).item() == pytest.approx(expected.item(), rel=1e-12)
    with pytest.raises(ValueError, match='target_weights'):
        loss(output, target, weights[:, :2])


def test_multiple_loss_wrapper_applies_each_loss_to_its_pair_in_order():
    wrapper = MODELS.build(dict(type='MultipleLossWrapper', losses=[
        dict(type='SmoothL1Loss', use_target_weight=True), dict(type='MSELoss')]))
    a, b = torch.rand(2, 5, 2), torch.rand(2, 5, 2)
    weights = torch.ones(2, 5)
    first, second = wrapper([a, a], [b, b * 2], weights)
    assert first.item() == pytest.approx(torch.nn.functional.smooth_l1_loss(a, b).item())
    assert second.item() == pytest.approx(((a - 2 * b) ** 2).mean().item())
    with pytest.raises(ValueError, match='2 losses'):
        wrapper([a], [b], weights)


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


# --------------------------------------------------------------------------- integral heads
def maps_head(width, **kwargs):
    """No deconvolution, no final layer: the features are the heatmap logits."""
    return MODELS.build(dict(type='IntegralRegressionHead', in_channels=K, in_featuremap_size=(width, width),
                             num_joints=K, deconv_out_channels=None, final_layer=None,
                             decoder=dict(type='IntegralRegressionLabel', input_size=(width, width),
                                          heatmap_size=(width, width), sigma=1.0), **kwargs)).eval()


def test_soft_argmax_is_the_expectation_over_cells_at_i_over_w():
    head = maps_head(8)
    logits = torch.randn(2, K, 8, 8)
    coords, heatmaps = head.forward((logits,))
    p = torch.softmax(logits.reshape(2, K, -1), -1).reshape(2, K, 8, 8)
    assert torch.allclose(heatmaps, p)
    assert torch.allclose(coords[..., 0], (p.sum(2) * torch.arange(8) / 8).sum(-1), atol=1e-6)
    assert torch.allclose(coords[..., 1], (p.sum(3) * torch.arange(8) / 8).sum(-1), atol=1e-6)


def test_debias_removes_the_pull_towards_the_centre():
    logits = torch.full((1, K, 8, 8), 0.)
    logits[..., 1, 6] = 4.0  # a peak at x = 6/8, y = 1/8 over a flat floor
    biased, _ = maps_head(8).forward((logits,))
    debiased, _ = maps_head(8, debias=True).forward((logits,))
    total = logits.exp().sum((-1, -2))[0, 0].item()
    expected_x = total / (total - 1) * (biased[0, 0, 0].item() - 1 / (2 * total))
    assert debiased[0, 0, 0].item() == pytest.approx(expected_x, rel=1e-5)
    assert abs(debiased[0, 0, 0].item() - 0.75) < abs(biased[0, 0, 0].item() - 0.75)


def test_integral_flip_test_on_a_mirrored_input_gives_the_plain_prediction():
    head = maps_head(8)
    logits = torch.randn(2, K, 8, 8) * 3
    mirrored = logits.flip(-1)[:, FLIP_INDICES]
    batch = samples(torch.zeros(2, 1, K, 2), torch.ones(2, 1, K), input_size=(8, 8))
    test_cfg = dict(flip_test=True, shift_coords=True, shift_heatmap=False, heatmap_score_radius=1.5)
    flipped = head.predict(((logits,), (mirrored,)), batch, test_cfg)
    plain = head.predict((logits,), batch, dict(heatmap_score_radius=1.5))
    for a, b in zip(flipped, plain):
        assert np.allclose(a.keypoints, b.keypoints, atol=1e-4)
        assert np.allclose(a.keypoint_scores, b.keypoint_scores, atol=1e-6)
    assert not np.allclose(flipped[0].keypoints, head.predict((mirrored,), batch)[0].keypoints, atol=0.1)


def test_heatmap_scores_are_the_mass_near_the_prediction():
    peaked = torch.zeros(1, 2, 8, 8)
    peaked[0, 0, 2, 5] = 1.0  # all mass in one cell
    peaked[0, 1] = 1 / 64  # spread evenly
    coords = torch.tensor([[[5 / 8, 2 / 8], [4 / 8, 4 / 8]]])
    scores = heatmap_mass_near(peaked, coords, radius=1.0)
    assert scores[0, 0].item() == pytest.approx(1.0)
    assert scores[0, 1].item() == pytest.approx(5 / 64)  # the centre cell and its 4 neighbours
    far = heatmap_mass_near(peaked, torch.tensor([[[1 / 8, 6 / 8], [4 / 8, 4 / 8]]]), radius=1.0)
    assert far[0, 0].item() == 0.0


def test_integral_scores_are_one_without_the_radius_as_in_mmpose():
    head = maps_head(8)
    batch = samples(torch.zeros(1, 1, K, 2), torch.ones(1, 1, K), input_size=(8, 8))
    (pred,) = head.predict((torch.randn(1, K, 8, 8),), batch)
    assert np.all(pred.keypoint_scores == 1.0)


def dsnt_head(**kwargs):
    cfg = dict(type='DSNTHead', in_channels=16, in_featuremap_size=(2, 2), num_joints=K,
               deconv_out_channels=(8, 8), deconv_kernel_sizes=(4, 4),
               decoder=dict(type='IntegralRegressionLabel', input_size=(32, 32), heatmap_size=(8, 8), sigma=1.0))
    return MODELS.build({**cfg, **kwargs})


def test_dsnt_loss_is_smooth_l1_plus_js_and_lambda_t_drops_the_heatmap_term():
    from mmengine.logging import MessageHub
    head = randomise(dsnt_head(lambda_t=5), std=0.2).eval()
    feats = (torch.randn(2, 16, 2, 2),)
    labels, weights = torch.rand(2, K, 2), torch.ones(2, K)
    gt = torch.softmax(torch.randn(2, K, 64), -1).reshape(2, K, 8, 8)
    coords, heatmaps = head.forward(feats)
    smooth_l1 = torch.nn.functional.smooth_l1_loss(coords, labels).item()
    js = MODELS.build(dict(type='JSDiscretLoss'))(heatmaps, gt, weights).item()
    hub = MessageHub.get_current_instance()
    hub.update_info('epoch', 0)
    assert head.loss(feats, samples(labels, weights, gt))['loss_kpt'].item() == pytest.approx(smooth_l1 + js, rel=1e-5)
    hub.update_info('epoch', 5)
    assert head.loss(feats, samples(labels, weights, gt))['loss_kpt'].item() == pytest.approx(smooth_l1, rel=1e-5)


def test_integral_state_dict_is_mmposes_and_heatmap_head_keys_load():
    head = dsnt_head()
    # mmpose 1.3.2's names for a DSNTHead with two deconvolutions
    layers = 'simplebaseline_head.deconv_layers'
    batch_norm = ('weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked')
    assert set(head.state_dict()) == {'linspace_x', 'linspace_y', f'{layers}.0.weight', f'{layers}.3.weight',
                                      'simplebaseline_head.final_layer.weight',
                                      'simplebaseline_head.final_layer.bias'} | {
        f'{layers}.{i}.{name}' for i in (1, 4) for name in batch_norm}
    assert not head.linspace_x.requires_grad
    # a SimpleBaseline heatmap checkpoint (deconv_layers.*, final_layer.* under the head)
    heatmap_layout = {(k[len('simplebaseline_head.'):] if k.startswith('simplebaseline_head.') else k): v + 1
                      for k, v in head.state_dict().items() if not k.startswith('linspace')}
    fresh = dsnt_head()
    missing, unexpected = fresh.load_state_dict(heatmap_layout, strict=False)
    assert set(missing) == {'linspace_x', 'linspace_y'} and not unexpected
    assert torch.equal(fresh.simplebaseline_head.final_layer.bias, heatmap_layout['final_layer.bias'])


def test_deconv_kernel_sizes_must_fit():
    with pytest.raises(ValueError, match='same length'):
        dsnt_head(deconv_kernel_sizes=(4,))
    with pytest.raises(ValueError, match='kernel size 5'):
        dsnt_head(deconv_kernel_sizes=(4, 5))


# --------------------------------------------------------------------------- end to end
def test_dsnt_estimator_trains_and_predicts_scores_on_the_real_samples():
    """The real pipeline packs the codec's heatmaps; loss and flip-test predict run."""
    from mmengine.dataset import pseudo_collate

    from mmpose_face.registry import DATASETS
    codec = dict(type='IntegralRegressionLabel', input_size=(64, 64), heatmap_size=(16, 16), sigma=1.0)
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
                dict(type='TopdownAffine', input_size=(64, 64)), dict(type='GenerateTarget', encoder=codec),
                dict(type='PackPoseInputs')]
    dataset = DATASETS.build(dict(type='WFLWDataset', data_root='tests/data', ann_file='test_wflw.json',
                                  data_prefix=dict(img=''), data_mode='topdown', pipeline=pipeline))
    model = MODELS.build(dict(
        type='TopdownPoseEstimator',
        data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        backbone=dict(type='ResNet', depth=18),
        head=dict(type='DSNTHead', in_channels=512, in_featuremap_size=(2, 2), num_joints=K,
                  deconv_out_channels=(32, 32, 32), decoder=codec),
        test_cfg=dict(flip_test=True, shift_coords=True, shift_heatmap=True, heatmap_score_radius=1.5)))
    model.init_weights()
    batch = model.data_preprocessor(pseudo_collate([dataset[i] for i in range(len(dataset))]), training=True)
    heatmaps = batch['data_samples'][0].gt_fields.heatmaps
    assert heatmaps.shape == (K, 16, 16) and torch.allclose(heatmaps.sum((-1, -2)), torch.ones(K), atol=1e-5)
    losses = model(**batch, mode='loss')
    assert torch.isfinite(losses['loss_kpt']) and 'acc_pose' in losses
    losses['loss_kpt'].backward()
    assert model.head.simplebaseline_head.final_layer.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():
        results = model(**model.data_preprocessor(pseudo_collate([dataset[0]])), mode='predict')
    scores = results[0].pred_instances.keypoint_scores
    assert scores.shape == (1, K) and np.all((scores > 0) & (scores <= 1))
    assert results[0].pred_instances.keypoints.shape == (1, K, 2)


# --------------------------------------------------------------------------- confidence shown
def test_visualizer_colours_points_by_score_and_hides_none():
    from mmpose_face.visualization import PoseLocalVisualizer
    visualizer = PoseLocalVisualizer(name='regression_family_scores', radius=3, draw_contours=False,
                                     draw_bbox=False)
    image = np.zeros((40, 80, 3), np.uint8)
    pred = InstanceData(keypoints=np.array([[[10., 20.], [40., 20.], [70., 20.]]]),
                        keypoint_scores=np.array([[1.0, 0.5, 0.0]], np.float32))
    pred.keypoints_visible = pred.keypoint_scores  # as the estimator sets it
    drawn = visualizer.draw_instances(image.copy(), pred, visualizer.pred_color)
    red, low = np.array(visualizer.pred_color), np.array(visualizer.low_score_color)
    assert drawn[20, 10].tolist() == red.tolist()
    assert np.abs(drawn[20, 40].astype(int) - np.round((red + low) / 2)).max() <= 1
    assert drawn[20, 70].tolist() == low.tolist()  # a score of 0 is drawn, in the low colour


def test_demo_json_carries_the_keypoint_scores():
    from mmpose_face.apis.face_landmarks_demo import faces_to_json
    faces = faces_to_json(np.array([[0, 0, 10, 10]]), np.array([0.9]), np.zeros((1, 3, 2)),
                          np.array([[0.25, 0.5, 0.99999]]))
    assert faces[0]['keypoint_scores'] == [0.25, 0.5, 1.0]
    assert 'keypoint_scores' not in faces_to_json(np.array([[0, 0, 10, 10]]), np.array([0.9]), np.zeros((1, 3, 2)))[0]


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


# --------------------------------------------------------------------------- fast path
RLE_FAST = 'configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res50_rle_fastpath-210e_wflw-256x256.py'


def test_rle_fast_path_config_is_the_rle_config_on_the_fast_path():
    from mmengine.config import Config
    fast = Config.fromfile(RLE_FAST)
    reference = Config.fromfile('configs/face_2d_keypoint/topdown_regression/wflw/'
                                'td-reg_res50_rle-8xb64-210e_wflw-256x256.py')
    assert fast.model.head == reference.model.head and fast.model.head.type == 'RLEHead'
    assert fast.optim_wrapper.optimizer == reference.optim_wrapper.optimizer
    assert fast.train_cfg.type == 'FastEpochBasedTrainLoop'
    assert fast.train_dataloader.dataset.dataset.pipeline == reference.train_dataloader.dataset.pipeline


@pytest.mark.parametrize('head_kind', ['rle', 'dsnt', 'heatmap'])
def test_the_new_heads_train_on_the_fast_path(tmp_path, one_thread, head_kind):
    """The tiny fast-path config (tests/configs) with the RLE, the DSNT or the heatmap
    head: the preprocessor's ``encode_batch`` targets (heatmaps too) reach the loss."""
    from mmengine.runner import Runner

    from mmpose_face.apis import prepare_train_config
    if head_kind == 'rle':
        codec = dict(type='RegressionLabel', input_size=(64, 64))
        head = dict(type='RLEHead', in_channels=512, num_joints=K, decoder=codec)
        neck = dict(type='GlobalAveragePooling')
    elif head_kind == 'heatmap':
        codec = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1.0)
        head = dict(type='HeatmapHead', in_channels=512, out_channels=K, deconv_out_channels=(16, 16, 16),
                    decoder=codec)
        neck = None
    else:
        codec = dict(type='IntegralRegressionLabel', input_size=(64, 64), heatmap_size=(16, 16), sigma=1.0)
        head = dict(type='DSNTHead', in_channels=512, in_featuremap_size=(2, 2), num_joints=K,
                    deconv_out_channels=(16, 16, 16), decoder=codec)
        neck = None
    cfg = prepare_train_config('tests/configs/td-reg_res18_tiny_fastpath_wflw-64x64.py', str(tmp_path / 'run'),
                               cfg_options={'train_dataloader.dataset.cache_dir': str(tmp_path / 'cache'),
                                            'train_cfg.max_epochs': 1})
    cfg.model.head, cfg.model.neck = head, neck
    for step in cfg.train_dataloader.dataset.dataset.pipeline:
        if step['type'] == 'GenerateTarget':
            step['encoder'] = codec
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.save_best = None
    runner = Runner.from_cfg(cfg)
    batch = next(iter(runner.train_loop.dataloader))
    samples = runner.model.data_preprocessor(batch, training=True)['data_samples']
    if head_kind in ('dsnt', 'heatmap'):
        expected = KEYPOINT_CODECS.build(codec).encode(batch.keypoints[:1].numpy(),
                                                       batch.keypoints_visible[:1].numpy())
        assert np.allclose(samples[0].gt_fields.heatmaps.numpy(), expected['heatmaps'], atol=1e-6)
    runner.train()
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())
