"""FastPoseDataPreprocessor: fast batches keep the PoseDataSample contract; a codec registered later
encodes the targets unchanged."""
import numpy as np
import pytest
import torch

from mmpose_face.fast_path import FaceBatch, FastPoseDataPreprocessor, face_batch_collate
from mmpose_face.registry import KEYPOINT_CODECS
from mmpose_face.structures import PoseDataSample

from fast_path_runs import one_epoch_fast_path_config
from fast_path_samples import fast_batches


def test_fast_batches_keep_the_pose_data_sample_contract(tmp_path):
    dataset, preprocessor = fast_batches(tmp_path)
    batch = face_batch_collate(dataset.__getitems__(FaceBatch(rows=(0, 1, 2, 3, 0, 1), seed=7)))
    packed = preprocessor(batch, training=True)
    inputs, samples = packed['inputs'], packed['data_samples']
    assert inputs.shape == (6, 3, 64, 64) and inputs.dtype == torch.float32
    assert inputs.is_contiguous(memory_format=torch.channels_last)  # as cv2 warped it: no re-layout
    assert -3 < inputs.mean().item() < 3 and inputs.std().item() > 0.3  # normalised, not raw 0-255
    assert len(samples) == 6  # one PoseDataSample per face, as PackPoseInputs gives
    expected = dataset.augmentor.codec.encode(batch.keypoints.numpy(), batch.keypoints_visible.numpy())
    for index, sample in enumerate(samples):
        labels = sample.gt_instance_labels
        assert labels.keypoint_labels.shape == (1, 98, 2) and labels.keypoint_weights.shape == (1, 98)
        np.testing.assert_array_equal(labels.keypoint_labels.numpy(), expected['keypoint_labels'][index:index + 1])
        np.testing.assert_array_equal(labels.keypoint_weights.numpy(), expected['keypoint_weights'][index:index + 1])
        assert sample.img_path == dataset.cache.img_paths[(0, 1, 2, 3, 0, 1)[index]]
        assert sample.input_size == (64, 64) and sample.flip == bool(batch.flip[index])
    # the same draw for the same seed; another seed draws otherwise
    again = preprocessor(dataset.__getitems__(FaceBatch(rows=(0, 1, 2, 3, 0, 1), seed=7)), training=True)
    torch.testing.assert_close(inputs, again['inputs'])
    other = preprocessor(dataset.__getitems__(FaceBatch(rows=(0, 1, 2, 3, 0, 1), seed=8)), training=True)
    assert not torch.equal(inputs, other['inputs'])
    # warped on the device (grid_sample from the bound cache) instead of by the loader: the same batch
    warped_here = preprocessor(batch.without_inputs(), training=True)['inputs']
    assert (warped_here - inputs).abs().mean() < 0.5 / 57  # within half a grey level
    reference_batch = dict(inputs=[torch.zeros(3, 64, 64, dtype=torch.uint8)], data_samples=[PoseDataSample()])
    passed = preprocessor(reference_batch)  # validation batches pass through, as PoseDataPreprocessor's
    assert passed['inputs'].shape == (1, 3, 64, 64) and passed['data_samples'][0].pad_shape == (64, 64)
    with pytest.raises(RuntimeError, match='no training set is bound'):
        FastPoseDataPreprocessor()(batch, training=True)


@KEYPOINT_CODECS.register_module(force=True)
class CentredRegressionLabel:
    """A second codec, for the test only: keypoints relative to the crop centre, in half crop sizes."""

    def __init__(self, input_size):
        self.input_size = tuple(input_size)

    def encode(self, keypoints, keypoints_visible=None):
        return self._encode(keypoints, np.ones(keypoints.shape[:2]) if keypoints_visible is None else keypoints_visible)

    def encode_batch(self, keypoints, keypoints_visible):
        return self._encode(keypoints, keypoints_visible)

    def _encode(self, keypoints, keypoints_visible):
        w, h = self.input_size
        centred = (keypoints - keypoints.new_tensor([w / 2, h / 2]) if isinstance(keypoints, torch.Tensor)
                   else (keypoints - np.array([w / 2, h / 2])).astype(np.float32))
        scale = centred.new_tensor([w / 2, h / 2]) if isinstance(centred, torch.Tensor) else np.array([w / 2, h / 2])
        weights = keypoints_visible > 0.5
        return dict(keypoint_labels=centred / scale,
                    keypoint_weights=weights.float() if isinstance(weights, torch.Tensor) else weights.astype(np.float32))

    def decode(self, encoded):
        w, h = self.input_size
        return (encoded + 1) * np.array([w / 2, h / 2]), np.ones(encoded.shape[:2], np.float32)


def test_a_codec_registered_later_works_on_the_fast_path_unchanged(tmp_path):
    from mmengine.runner import Runner
    codec = dict(type='CentredRegressionLabel', input_size=(64, 64))
    cfg = one_epoch_fast_path_config(tmp_path, codec, **{'model.head.decoder': codec})
    runner = Runner.from_cfg(cfg)
    loop = runner.train_loop  # binds the training set to the preprocessor
    batch = next(iter(loop.dataloader))
    samples = runner.model.data_preprocessor(batch, training=True)['data_samples']
    expected = KEYPOINT_CODECS.build(codec).encode(batch.keypoints.numpy(), batch.keypoints_visible.numpy())
    labels = torch.cat([sample.gt_instance_labels.keypoint_labels for sample in samples]).numpy()
    np.testing.assert_allclose(labels, expected['keypoint_labels'], rtol=1e-6)
    assert labels.min() < 0  # centred, not RegressionLabel's [0, 1]
    runner.train()
    assert np.isfinite(runner.message_hub.get_scalar('train/loss').current())
