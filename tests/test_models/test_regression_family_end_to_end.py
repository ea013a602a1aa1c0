"""The regression family end to end: a DSNT estimator on the real samples, the RLE head learning, the
new heads on the fast path."""
import numpy as np
import pytest
import torch

from mmpose_face.registry import KEYPOINT_CODECS, MODELS

from fast_path_runs import one_epoch_fast_path_config
from test_models.regression_family_parts import K, mmpose_face_scope, samples  # noqa: F401 (an autouse fixture)


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
    cfg = one_epoch_fast_path_config(tmp_path, codec)
    cfg.model.head, cfg.model.neck = head, neck
    runner = Runner.from_cfg(cfg)
    batch = next(iter(runner.train_loop.dataloader))
    samples = runner.model.data_preprocessor(batch, training=True)['data_samples']
    if head_kind in ('dsnt', 'heatmap'):
        expected = KEYPOINT_CODECS.build(codec).encode(batch.keypoints[:1].numpy(),
                                                       batch.keypoints_visible[:1].numpy())
        assert np.allclose(samples[0].gt_fields.heatmaps.numpy(), expected['heatmaps'], atol=1e-6)
    runner.train()
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())
