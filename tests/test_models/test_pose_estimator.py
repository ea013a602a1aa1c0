"""TopdownPoseEstimator, from pixels to image-space keypoints: mmpose's state-dict prefixes, crop
predictions mapped back to the image (flip test included), its modes and train step, old and new
checkpoint layouts; torchvision weights named and refused offline.
"""
import urllib.error
import urllib.request

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmpose_face import checkpoint_download, compat
from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.engine.checkpoint_loading import CheckpointMismatchError, load_checkpoint_file
from mmpose_face.registry import MODELS
from mmpose_face.structures import PoseDataSample

WFLW_META = load_dataset_info('configs/_base_/datasets/wflw.py')
FLIP_INDICES = WFLW_META['flip_indices']
K = 98


@pytest.fixture(autouse=True, scope='module')
def mmpose_face_scope():
    # as the runner and init_model do: parts built by mmengine (the data
    # preprocessor inside BaseModel) are looked up in our registries
    init_default_scope('mmpose_face')


def test_estimator_keys_carry_the_mmpose_prefixes(estimator):
    keys = set(estimator.state_dict())
    assert {'backbone.conv1.weight', 'backbone.bn1.weight', 'backbone.bn1.running_var',
            'backbone.layer1.0.conv1.weight', 'head.fc.weight', 'head.fc.bias'} <= keys
    assert not any(key.startswith(('backbone.fc', 'neck.')) for key in keys)


def _offline(monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise urllib.error.URLError('[Errno -3] Temporary failure in name resolution')
    monkeypatch.setattr(urllib.request, 'urlopen', refuse)
    monkeypatch.setattr(checkpoint_download, 'hub_checkpoint_dir', lambda: str(tmp_path))


def test_torchvision_weights_offline_give_a_clear_error(monkeypatch, tmp_path):
    _offline(monkeypatch, tmp_path)
    with pytest.raises(RuntimeError) as error:
        load_checkpoint_file('torchvision://resnet18')
    message = str(error.value)
    assert 'could not download https://download.pytorch.org/models/resnet18-f37072fd.pth' in message
    assert 'offline' in message and str(tmp_path / 'resnet18-f37072fd.pth') in message
    assert not list(tmp_path.iterdir())  # no half-written file left behind


def test_torchvision_init_cfg_offline_gives_the_same_error(monkeypatch, tmp_path):
    _offline(monkeypatch, tmp_path)
    backbone = MODELS.build(dict(type='ResNet', depth=18,
                                 init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet18')))
    with pytest.raises(RuntimeError, match='offline'), compat.mmengine_fixes():  # as build_runner/init_model run
        backbone.init_weights()


def test_unknown_torchvision_name_is_refused():
    with pytest.raises(KeyError, match='resnet19'):
        load_checkpoint_file('torchvision://resnet19')


# --------------------------------------------------------------------------- estimator
@pytest.fixture(scope='module')
def estimator():
    """The published model at a small size: ResNet-18, 32x32 crops (built once)."""
    codec = dict(type='RegressionLabel', input_size=(32, 32))
    return MODELS.build(dict(
        type='TopdownPoseEstimator',
        data_preprocessor=dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                               std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
        backbone=dict(type='ResNet', depth=18),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='RegressionHead', in_channels=512, num_joints=K,
                  loss=dict(type='SmoothL1Loss', use_target_weight=True), decoder=codec),
        test_cfg=dict(flip_test=False, shift_coords=True)))


def configured(model, flip_test):
    model.test_cfg = dict(flip_test=flip_test, shift_coords=True)
    return model.eval()


def crop_sample(center, scale, input_size=(32, 32)):
    sample = PoseDataSample(metainfo=dict(
        flip_indices=FLIP_INDICES, input_size=input_size, input_center=np.array(center, np.float32),
        input_scale=np.array(scale, np.float32), id=7))
    sample.gt_instances = InstanceData(bboxes=np.array([[0, 0, 10, 10]], np.float32))
    return sample


def constant_output(model, coords):
    """Make the head answer ``coords`` (K, 2) whatever the image."""
    with torch.no_grad():
        model.head.fc.weight.zero_()
        model.head.fc.bias.copy_(torch.as_tensor(coords, dtype=torch.float32).flatten())


def test_predict_maps_crop_coordinates_to_image_pixels(estimator):
    model = configured(estimator, flip_test=False)
    coords = np.zeros((K, 2), np.float32)
    coords[:] = [0.25, 0.75]
    coords[5] = [0.5, 0.5]
    coords[6] = [0.0, 1.0]
    constant_output(model, coords)
    sample = crop_sample(center=[300.0, 200.0], scale=[80.0, 120.0])
    with torch.no_grad():
        (result, ) = model(torch.zeros(1, 3, 32, 32), [sample], mode='predict')
    keypoints = result.pred_instances.keypoints
    assert keypoints.shape == (1, K, 2)
    # crop pixel p = coords * 32; image = p / 32 * scale + center - scale / 2, by hand:
    np.testing.assert_allclose(keypoints[0, 0], [300 - 40 + 0.25 * 80, 200 - 60 + 0.75 * 120], atol=1e-3)
    np.testing.assert_allclose(keypoints[0, 5], [300.0, 200.0], atol=1e-3)  # crop centre -> box centre
    np.testing.assert_allclose(keypoints[0, 6], [260.0, 260.0], atol=1e-3)  # crop corner -> box corner
    assert result.pred_instances.keypoint_scores.shape == (1, K)
    np.testing.assert_array_equal(result.pred_instances.bboxes, [[0, 0, 10, 10]])


def test_predict_with_flip_test_averages_with_the_mirrored_prediction(estimator):
    model = configured(estimator, flip_test=True)
    coords = np.random.RandomState(0).rand(K, 2).astype(np.float32)
    constant_output(model, coords)
    sample = crop_sample(center=[50.0, 50.0], scale=[32.0, 32.0])  # crop pixels == image pixels + 34
    crops_seen = []
    hook = model.backbone.register_forward_pre_hook(lambda module, args: crops_seen.append(args[0]))
    inputs = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        (result, ) = model(inputs, [sample], mode='predict')
    hook.remove()
    # the second pass sees the crop mirrored left-right
    assert len(crops_seen) == 2 and torch.equal(crops_seen[1], torch.flip(inputs, dims=[3]))
    mirrored_coords = coords[FLIP_INDICES].copy()
    mirrored_coords[:, 0] = 1 - mirrored_coords[:, 0] - 1 / 32
    expected = (coords + mirrored_coords) / 2 * 32 + 50 - 16
    np.testing.assert_allclose(result.pred_instances.keypoints[0], expected, atol=1e-3)


def test_modes_tensor_loss_and_unknown(estimator):
    model = configured(estimator, flip_test=False)
    inputs = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        raw = model(inputs, mode='tensor')
    assert raw.shape == (2, K, 2)
    samples = [crop_sample([16, 16], [32, 32]) for _ in range(2)]
    for sample in samples:
        sample.gt_instance_labels = InstanceData(keypoint_labels=torch.rand(1, K, 2),
                                                 keypoint_weights=torch.ones(1, K))
    model.train()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_kpt', 'acc_pose'} and losses['loss_kpt'].ndim == 0 and losses['loss_kpt'] > 0
    with pytest.raises(ValueError, match="unknown mode 'features'"):
        model(inputs, samples, mode='features')


def test_train_step_runs_the_preprocessor_and_updates_weights(estimator):
    from mmengine.optim import OptimWrapper
    model = estimator.train()
    samples = [crop_sample([16, 16], [32, 32]) for _ in range(2)]
    for sample in samples:
        sample.gt_instance_labels = InstanceData(keypoint_labels=torch.rand(1, K, 2),
                                                 keypoint_weights=torch.ones(1, K))
    data = dict(inputs=[torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8) for _ in samples],
                data_samples=samples)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    before = model.head.fc.bias.detach().clone()
    log_vars = model.train_step(data, wrapper)
    assert 'loss' in log_vars and torch.isfinite(torch.as_tensor(log_vars['loss']).detach())
    assert not torch.equal(before, model.head.fc.bias)


def test_old_and_new_checkpoint_layouts_load_and_bad_shapes_are_refused(estimator):
    model = estimator
    state = {key: torch.randn_like(value) if value.is_floating_point() else value
             for key, value in model.state_dict().items()}
    old_layout = {('keypoint_head.' + key[len('head.'):] if key.startswith('head.') else key): value
                  for key, value in state.items()}
    result = model.load_state_dict(old_layout, strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    assert torch.equal(model.head.fc.weight, state['head.fc.weight'])
    bad = dict(state, **{'head.fc.weight': torch.zeros(10, 512)})
    shapes = r'head\.fc\.weight: checkpoint \(10, 512\) vs model \(196, 512\)'
    with pytest.raises(CheckpointMismatchError, match=shapes):
        model.load_state_dict(bad, strict=False)
