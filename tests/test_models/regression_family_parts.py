"""What the regression-family tests share: WFLW's flip indices, samples with labels (and heatmaps),
seeded random weights, mmpose_face as the default scope."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData, PixelData

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.registry import MODELS
from mmpose_face.structures import PoseDataSample

FLIP_INDICES = load_dataset_info('configs/_base_/datasets/wflw.py')['flip_indices']
K = 98


@pytest.fixture(autouse=True, scope='module')
def mmpose_face_scope():
    """Imported by each test module of the family: configs' bare type names resolve in mmpose_face."""
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


def dsnt_head(**kwargs):
    cfg = dict(type='DSNTHead', in_channels=16, in_featuremap_size=(2, 2), num_joints=K,
               deconv_out_channels=(8, 8), deconv_kernel_sizes=(4, 4),
               decoder=dict(type='IntegralRegressionLabel', input_size=(32, 32), heatmap_size=(8, 8), sigma=1.0))
    return MODELS.build({**cfg, **kwargs})
