"""PoseDataSample: mmpose's fields, which can be deleted and are type-checked when set."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData

from mmpose_face.structures import PoseDataSample


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
