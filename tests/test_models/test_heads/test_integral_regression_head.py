"""IntegralRegressionHead: the soft-argmax as a hand expectation, debias, flip test, heatmap scores,
mmpose's state-dict layout."""
import numpy as np
import pytest
import torch

from mmpose_face.models.heads.integral_regression_head import heatmap_mass_near
from mmpose_face.registry import MODELS

from test_models.regression_family_parts import (  # noqa: F401 (mmpose_face_scope: an autouse fixture)
    FLIP_INDICES, K, dsnt_head, mmpose_face_scope, samples)


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
