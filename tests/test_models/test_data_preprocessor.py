"""Head, neck, preprocessor and data sample follow mmpose 1.3's conventions.

``RegressionHead.loss`` returns mmpose's ``acc_pose`` (PCK at 0.05 of the
input size, averaged over keypoints with a weighted face) as a device
tensor; the neck pools tuples, lists and tensors; the preprocessor writes
``pad_shape`` and ``batch_input_shape``; data sample fields can be deleted.
"""
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmpose_face.registry import MODELS
from mmpose_face.structures import PoseDataSample


@pytest.fixture(autouse=True, scope='module')
def mmpose_face_scope():
    init_default_scope('mmpose_face')


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


def test_global_average_pooling_takes_tuples_lists_and_tensors_like_mmpose():
    gap = MODELS.build(dict(type='GlobalAveragePooling'))
    maps = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    assert isinstance(gap([maps]), list) and torch.allclose(gap([maps])[0], maps.mean(dim=(2, 3)))
    assert gap(maps[:1]).shape == (1, 3)  # a batch of one keeps its batch axis
    with pytest.raises(TypeError):
        gap(maps.numpy())
    assert list(gap.state_dict()) == []


def test_preprocessor_sets_pad_shape_and_batch_input_shape():
    preprocessor = MODELS.build(dict(type='PoseDataPreprocessor', mean=[0, 0, 0], std=[1, 1, 1],
                                     pad_size_divisor=32))
    samples = [PoseDataSample(), PoseDataSample()]
    out = preprocessor(dict(inputs=[torch.zeros(3, 60, 40, dtype=torch.uint8),
                                    torch.zeros(3, 64, 70, dtype=torch.uint8)], data_samples=samples))
    assert out['inputs'].shape == (2, 3, 64, 96)
    assert [s.pad_shape for s in out['data_samples']] == [(64, 64), (64, 96)]
    assert all(s.batch_input_shape == (64, 96) for s in out['data_samples'])


def test_preprocessor_runs_batch_augments_only_in_training():
    class AddOne(torch.nn.Module):
        def forward(self, inputs, data_samples):
            return inputs + 1, data_samples
    MODELS.register_module('AddOneForTest', module=AddOne, force=True)
    preprocessor = MODELS.build(dict(type='PoseDataPreprocessor', batch_augments=[dict(type='AddOneForTest')]))
    data = dict(inputs=[torch.zeros(3, 4, 4, dtype=torch.uint8)], data_samples=[PoseDataSample()])
    assert preprocessor(dict(data), training=True)['inputs'].max() == 1
    assert preprocessor(dict(data), training=False)['inputs'].max() == 0


def test_pose_data_sample_fields_can_be_deleted():
    sample = PoseDataSample()
    sample.gt_instances = InstanceData(keypoints=np.zeros((1, 3, 2)))
    sample.pred_instances = InstanceData(keypoints=np.zeros((1, 3, 2)))
    sample.gt_instance_labels = InstanceData(keypoint_labels=torch.zeros(1, 3, 2))
    for name in ('gt_instances', 'pred_instances', 'gt_instance_labels'):
        assert name in sample
        delattr(sample, name)
        assert name not in sample
    with pytest.raises(AssertionError):  # set_field checks the type, as mmpose's
        sample.pred_instances = np.zeros(3)
