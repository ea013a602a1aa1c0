"""PoseDataPreprocessor follows mmpose 1.3's conventions: BGR to RGB and normalised, ``pad_shape`` and
``batch_input_shape`` written, batch augments only in training.
"""
import pytest
import torch
from mmengine.registry import init_default_scope

from mmpose_face.registry import MODELS
from mmpose_face.structures import PoseDataSample


@pytest.fixture(autouse=True, scope='module')
def mmpose_face_scope():
    init_default_scope('mmpose_face')


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


# --------------------------------------------------------------------------- preprocessor
def test_data_preprocessor_converts_bgr_to_rgb_and_normalises():
    preprocessor = MODELS.build(dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                     std=[58.395, 57.12, 57.375], bgr_to_rgb=True))
    image = torch.zeros(3, 4, 6, dtype=torch.uint8)
    image[0], image[1], image[2] = 10, 20, 30  # B, G, R
    batch = preprocessor(dict(inputs=[image, image], data_samples=[PoseDataSample(), PoseDataSample()]))
    inputs = batch['inputs']
    assert inputs.shape == (2, 3, 4, 6) and inputs.dtype == torch.float32
    expected = [(30 - 123.675) / 58.395, (20 - 116.28) / 57.12, (10 - 103.53) / 57.375]  # R, G, B
    for channel, value in enumerate(expected):
        assert torch.allclose(inputs[:, channel], torch.tensor(value), atol=1e-5)
    assert len(batch['data_samples']) == 2
