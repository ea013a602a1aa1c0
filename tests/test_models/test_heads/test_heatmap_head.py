"""HeatmapHead: mmpose's SimpleBaseline head (arguments, state-dict keys), trained on MSRAHeatmap
targets and predicting through the codec's decode. Values against mmpose 1.3.2 itself:
tests/test_models/test_regression_family_mmpose.py."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.models.utils import flip_heatmaps, heatmap_pck_accuracy
from mmpose_face.registry import KEYPOINT_CODECS, MODELS
from mmpose_face.structures import PoseDataSample

FLIP_INDICES = load_dataset_info('configs/_base_/datasets/wflw.py')['flip_indices']
K = 98
CODEC = dict(type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=2.0)


def heatmap_head(**kwargs):
    """4 x 4 features, two deconvolutions -> 16 x 16 maps."""
    torch.manual_seed(0)
    head = MODELS.build({**dict(type='HeatmapHead', in_channels=8, out_channels=K, deconv_out_channels=(8, 8),
                                deconv_kernel_sizes=(4, 4), decoder=CODEC), **kwargs})
    for module in head.modules():  # spread, so the maps have distinct maxima
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            torch.nn.init.normal_(module.weight, std=0.5)
    return head.eval()


def samples(keypoints, visible=None, input_size=(64, 64)):
    """Data samples whose targets are the codec's encoding of crop-pixel keypoints (B, K, 2)."""
    codec = KEYPOINT_CODECS.build(CODEC)
    batch = []
    for i in range(len(keypoints)):
        encoded = codec.encode(keypoints[i:i + 1], None if visible is None else visible[i:i + 1])
        sample = PoseDataSample(metainfo=dict(flip_indices=FLIP_INDICES, input_size=input_size))
        sample.gt_instance_labels = InstanceData(keypoint_weights=torch.from_numpy(encoded['keypoint_weights']))
        sample.gt_fields = PixelData(heatmaps=torch.from_numpy(encoded['heatmaps']))
        batch.append(sample)
    return batch


def test_mmpose_state_dict_keys_and_default_layers():
    head = MODELS.build(dict(type='HeatmapHead', in_channels=2048, out_channels=K))
    keys = set(head.state_dict())
    assert {'deconv_layers.0.weight', 'deconv_layers.1.running_mean', 'deconv_layers.7.weight',
            'final_layer.weight', 'final_layer.bias'} <= keys
    assert not any(key.startswith(('conv_layers.', 'loss_module.')) for key in keys)
    assert head.forward((torch.zeros(1, 2048, 8, 8),)).shape == (1, K, 64, 64)
    with pytest.raises(ValueError, match='same length'):
        MODELS.build(dict(type='HeatmapHead', in_channels=8, out_channels=K, deconv_kernel_sizes=(4, 4)))


def test_loss_is_the_weighted_heatmap_mse_and_acc_pose_the_heatmap_pck():
    head = heatmap_head()
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(0, 63, (2, K, 2)).astype(np.float32)
    visible = (rng.uniform(size=(2, K)) > 0.3).astype(np.float32)
    batch = samples(keypoints, visible)
    feats = (torch.randn(2, 8, 4, 4),)
    losses = head.loss(feats, batch)
    maps = head.forward(feats)
    gt = torch.stack([s.gt_fields.heatmaps for s in batch])
    weights = torch.cat([s.gt_instance_labels.keypoint_weights for s in batch])
    expected = ((maps - gt) ** 2 * weights[..., None, None]).mean()
    assert losses['loss_kpt'].item() == pytest.approx(expected.item(), rel=1e-6)
    assert losses['acc_pose'].ndim == 0
    assert losses['acc_pose'].item() == heatmap_pck_accuracy(maps, gt, weights).item()
    assert heatmap_pck_accuracy(gt, gt, weights).item() == 1.0  # the scale: outputs = targets score 1
    assert 'acc_pose' not in head.loss(feats, batch, dict(compute_acc=False))


@pytest.mark.parametrize('unbiased', [False, True])
def test_predict_is_the_codecs_decode_of_the_heatmaps(unbiased):
    head = heatmap_head(decoder=dict(CODEC, unbiased=unbiased))
    feats = (torch.randn(3, 8, 4, 4),)
    with torch.no_grad():
        preds = head.predict(feats, samples(np.zeros((3, K, 2), np.float32)))
        maps = head.forward(feats)
    codec = KEYPOINT_CODECS.build(dict(CODEC, unbiased=unbiased))
    for i, pred in enumerate(preds):
        keypoints, scores = codec.decode(maps[i].numpy())
        assert np.array_equal(pred.keypoints, keypoints) and np.array_equal(pred.keypoint_scores, scores)
    assert np.std([p.keypoints for p in preds]) > 5  # the maxima vary, so a wrong decode would show
    coords, scores = head.predict_normalised(feats)
    assert np.array_equal(coords.detach().numpy() * 64, np.concatenate([p.keypoints for p in preds]))


@pytest.mark.parametrize('shift_heatmap', [False, True])
def test_flip_test_averages_the_heatmaps_flipped_back(shift_heatmap):
    head = heatmap_head()
    feats, mirrored = (torch.randn(2, 8, 4, 4),), (torch.randn(2, 8, 4, 4),)
    test_cfg = dict(flip_test=True, shift_heatmap=shift_heatmap)
    with torch.no_grad():
        preds = head.predict((feats, mirrored), samples(np.zeros((2, K, 2), np.float32)), test_cfg)
        maps = (head.forward(feats) + flip_heatmaps(head.forward(mirrored), FLIP_INDICES, shift_heatmap)) * 0.5
    keypoints, scores = KEYPOINT_CODECS.build(CODEC).decode_batch(maps)
    assert np.array_equal(np.concatenate([p.keypoints for p in preds]), keypoints.numpy())
    assert np.array_equal(np.concatenate([p.keypoint_scores for p in preds]), scores.numpy())
    with pytest.raises(ValueError, match='flip_mode'):
        head.predict_normalised(feats, mirrored, FLIP_INDICES, 64, dict(flip_mode='offset'))


def test_predicting_without_a_decoder_is_refused():
    head = heatmap_head(decoder=None)
    with pytest.raises(ValueError, match='decoder'):
        head.predict_normalised((torch.randn(1, 8, 4, 4),))


def test_mmpose_0x_files_with_intermediate_convolutions_load():
    head = heatmap_head(conv_out_channels=(8,), conv_kernel_sizes=(3,))
    state = head.state_dict()
    renamed = {}
    for key, value in state.items():  # 0.x: final_layer.0 = the conv, .1 its BN, .3 the last conv
        if key.startswith('conv_layers.'):
            key = 'final_layer.' + key[len('conv_layers.'):]
        elif key.startswith('final_layer.'):
            key = 'final_layer.3.' + key[len('final_layer.'):]
        renamed[key] = value * 2 if value.is_floating_point() else value
    fresh = heatmap_head(conv_out_channels=(8,), conv_kernel_sizes=(3,))
    fresh.load_state_dict(renamed)  # no version metadata: an old file
    assert torch.equal(fresh.conv_layers[0].weight, state['conv_layers.0.weight'] * 2)
    assert torch.equal(fresh.final_layer.weight, state['final_layer.weight'] * 2)


def test_the_shipped_heatmap_config_trains_and_predicts_on_the_real_samples():
    """The WFLW config's pipeline (MSRAHeatmap targets into gt_fields) and model, made small:
    ResNet-18 on 64 x 64 crops, narrower deconvolutions."""
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    from mmpose_face.registry import DATASETS
    init_default_scope('mmpose_face')
    cfg = Config.fromfile('configs/face_2d_keypoint/topdown_heatmap/wflw/td-hm_res50_8xb64-60e_wflw-256x256.py')
    codec = dict(cfg.codec, input_size=(64, 64), heatmap_size=(16, 16))
    pipeline = [dict(step, input_size=(64, 64)) if step['type'] == 'TopdownAffine' else
                dict(step, encoder=codec) if step['type'] == 'GenerateTarget' else step
                for step in cfg.train_pipeline if step['type'] not in ('RandomFlip', 'RandomBBoxTransform')]
    dataset = DATASETS.build(dict(type='WFLWDataset', data_root='tests/data', ann_file='test_wflw.json',
                                  data_prefix=dict(img=''), data_mode='topdown', pipeline=pipeline))
    cfg.model.backbone = dict(type='ResNet', depth=18)
    cfg.model.head.update(in_channels=512, deconv_out_channels=(16, 16, 16), decoder=codec)
    model = MODELS.build(cfg.model)
    model.init_weights()
    batch = model.data_preprocessor(pseudo_collate([dataset[i] for i in range(len(dataset))]), training=True)
    assert batch['data_samples'][0].gt_fields.heatmaps.shape == (K, 16, 16)
    losses = model(**batch, mode='loss')
    assert torch.isfinite(losses['loss_kpt']) and 'acc_pose' in losses
    losses['loss_kpt'].backward()
    assert model.head.final_layer.weight.grad.abs().sum() > 0
    model.eval()
    with torch.no_grad():  # flip test with heatmap shift, as configured
        results = model(**model.data_preprocessor(pseudo_collate([dataset[0]])), mode='predict')
    pred = results[0].pred_instances
    assert pred.keypoints.shape == (1, K, 2) and pred.keypoint_scores.shape == (1, K)
    x0, y0, x1, y1 = results[0].gt_instances.bboxes[0]  # image pixels, inside the face's (padded) box
    assert (pred.keypoints[..., 0] >= x0 - (x1 - x0)).all() and (pred.keypoints[..., 0] <= x1 + (x1 - x0)).all()
