"""DSNTHead: its loss is smooth L1 plus lambda_t times the JS term."""
import pytest
import torch

from mmpose_face.registry import MODELS

from test_models.regression_family_parts import (  # noqa: F401 (mmpose_face_scope: an autouse fixture)
    K, dsnt_head, mmpose_face_scope, randomise, samples)


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
