"""Every registered codec keeps BaseKeypointCodec's contract: encode / encode_batch / decode with
the declared shapes, and decode inverts encode. A new codec adds its example to ``EXAMPLES``."""
import numpy as np
import pytest
import torch

import mmpose_face.codecs  # noqa: F401 (registers)
from base_class_contracts import assert_keeps_the_contract
from mmpose_face.codecs import BaseKeypointCodec
from mmpose_face.registry import KEYPOINT_CODECS

INPUT_SIZE = (64, 48)
#: type -> (config, the encoded key(s) that stand for the head's output, decode's tolerance in crop pixels);
#: a codec whose decode takes several arrays (mmpose's ``SimCCLabel.decode(simcc_x, simcc_y)``) names
#: them in decode's order
EXAMPLES = {
    'RegressionLabel': (dict(input_size=INPUT_SIZE), 'keypoint_labels', 1e-4),
    'IntegralRegressionLabel': (dict(input_size=INPUT_SIZE, heatmap_size=(16, 12), sigma=2.0),
                                'keypoint_labels', 1e-4),
    # the arg-max cell: within half a cell (2 crop pixels) plus the quarter step (1 pixel)
    'MSRAHeatmap': (dict(input_size=INPUT_SIZE, heatmap_size=(16, 12), sigma=2.0), 'heatmaps', 3.0),
    # the arg-max bin: within half a bin (a quarter pixel at two bins per pixel)
    'SimCCLabel': (dict(input_size=INPUT_SIZE, sigma=2.0), ('keypoint_x_labels', 'keypoint_y_labels'), 0.25),
}


def test_every_registered_codec_has_an_example_here():
    # the package's own codecs (a test module may register a codec of its own in the same process)
    ours = {name for name, codec in KEYPOINT_CODECS.module_dict.items() if codec.__module__.startswith('mmpose_face.')}
    assert ours == set(EXAMPLES)


@pytest.mark.parametrize('name', sorted(EXAMPLES))
def test_the_codec_derives_from_the_base_and_implements_it(name):
    assert_keeps_the_contract(KEYPOINT_CODECS.get(name), BaseKeypointCodec)
    assert BaseKeypointCodec.__abstractmethods__ == {'encode', 'encode_batch', 'decode'}


@pytest.mark.parametrize('name', sorted(EXAMPLES))
def test_encode_batch_is_encode_face_by_face(name):
    codec = KEYPOINT_CODECS.build(dict(type=name, **EXAMPLES[name][0]))
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(-10, 74, (4, 98, 2)).astype(np.float32)  # in, on the edge of and off the crop
    keypoints[0] = np.round(keypoints[0] * 2) / 2  # half pixels: the rounding edge
    visible = (rng.uniform(size=(4, 98)) > 0.2).astype(np.float32)
    batch = codec.encode_batch(torch.from_numpy(keypoints), torch.from_numpy(visible))
    for i in range(4):
        encoded = codec.encode(keypoints[i:i + 1], visible[i:i + 1])
        assert set(encoded) == set(batch) and encoded['keypoint_weights'].shape == (1, 98)
        for key, value in encoded.items():
            assert value.dtype == np.float32 and batch[key].dtype == torch.float32, key
            # per-face arrays (1, ...) are rows of the batch, (K, H, W) maps items of it
            face = batch[key][i] if batch[key].shape[1:] == value.shape else batch[key][i:i + 1]
            assert torch.equal(face, torch.from_numpy(value)), key
    assert 0 < batch['keypoint_weights'].mean() < 1  # some points are off the crop or invisible


@pytest.mark.parametrize('name', sorted(EXAMPLES))
def test_decode_inverts_encode(name):
    config, output_key, tolerance = EXAMPLES[name]
    codec = KEYPOINT_CODECS.build(dict(type=name, **config))
    keypoints = np.random.default_rng(0).uniform(4, [60, 44], (1, 5, 2)).astype(np.float32)  # inside
    encoded = codec.encode(keypoints)
    output_keys = (output_key,) if isinstance(output_key, str) else output_key
    decoded, scores = codec.decode(*(encoded[key] for key in output_keys))
    assert decoded.shape == (1, 5, 2) and scores.shape == (1, 5)
    np.testing.assert_allclose(decoded, keypoints, atol=tolerance)


def test_normalised_to_crop_pixels_multiplies_by_the_input_size_in_float64():
    codec = KEYPOINT_CODECS.build(dict(type='MSRAHeatmap', input_size=INPUT_SIZE, heatmap_size=(16, 12),
                                       sigma=2.0))
    pixels = codec.normalised_to_crop_pixels(np.array([[[0.5, 0.25]]], np.float32))
    assert pixels.dtype == np.float64 and pixels.tolist() == [[[32.0, 12.0]]]


def test_a_codec_without_encode_batch_cannot_be_built():
    class EncodesOneFaceOnly(BaseKeypointCodec):
        def encode(self, keypoints, keypoints_visible=None):
            return {}

        def decode(self, encoded):
            return encoded, None

    with pytest.raises(TypeError, match='encode_batch'):
        EncodesOneFaceOnly()
