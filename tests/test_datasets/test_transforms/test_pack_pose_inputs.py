"""PackPoseInputs at the end of the training pipeline: a uint8 CHW tensor and a PoseDataSample with
mmpose's fields."""
import numpy as np
import torch

from mmpose_face.datasets.transforms import (
    GenerateTarget, GetBBoxCenterScale, LoadImage, PackPoseInputs, RandomFlip, TopdownAffine,
)
from mmpose_face.structures import PoseDataSample

from test_datasets.wflw_samples import copy_of, dataset, face


# --------------------------------------------------------------------------- the whole pipeline
def test_training_pipeline_packs_inputs_and_targets(dataset):
    codec = dict(type='RegressionLabel', input_size=(64, 64))
    steps = [LoadImage(), GetBBoxCenterScale(), RandomFlip(prob=1.0),
             TopdownAffine(input_size=(64, 64)), GenerateTarget(encoder=codec), PackPoseInputs()]
    results = dataset.get_data_info(1)
    for step in steps:
        results = step(results)
    inputs, sample = results['inputs'], results['data_samples']
    assert isinstance(inputs, torch.Tensor) and inputs.shape == (3, 64, 64) and inputs.dtype == torch.uint8
    assert isinstance(sample, PoseDataSample)
    assert sample.gt_instances.keypoints.shape == (1, 98, 2)  # image pixels, for the metric
    assert sample.gt_instances.keypoints_visible.shape == (1, 98)
    assert sample.gt_instances.bboxes.shape == (1, 4)
    labels = sample.gt_instance_labels.keypoint_labels
    assert isinstance(labels, torch.Tensor) and labels.shape == (1, 98, 2)
    assert sample.gt_instance_labels.keypoint_weights.shape == (1, 98)
    assert 0 < labels.min() and labels.max() < 1  # the padded box holds the whole face
    for key in ('id', 'img_id', 'img_path', 'input_size', 'input_center', 'input_scale', 'flip',
                'flip_indices', 'ori_shape', 'img_shape'):
        assert key in sample.metainfo, key
    assert sample.id == dataset.get_data_info(1)['id'] and sample.flip is True
    assert sample.input_size == (64, 64)
    np.testing.assert_allclose(sample.input_scale, dataset.get_data_info(1)['bbox_scale'][0] * 1.25)


def test_pack_pose_inputs_meta_keys_and_pack_transformed(face):
    results = TopdownAffine(input_size=(64, 64))(GetBBoxCenterScale()(copy_of(face)))
    packed = PackPoseInputs(meta_keys=('img_path', 'input_size'))(copy_of(results))['data_samples']
    assert set(packed.metainfo) == {'img_path', 'input_size'}
    assert 'transformed_keypoints' not in packed.gt_instances
    assert packed.gt_instances.bbox_scales.shape == (1, 2)
    default = PackPoseInputs(pack_transformed=True)(copy_of(results))['data_samples']
    assert {'input_center', 'input_scale', 'attributes'} <= set(default.metainfo)
    np.testing.assert_array_equal(default.gt_instances.transformed_keypoints, results['transformed_keypoints'])
