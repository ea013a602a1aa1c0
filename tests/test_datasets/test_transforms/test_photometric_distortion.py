"""PhotometricDistortion: seeded, colours changed and geometry kept; brightness alone adds one offset."""
import cv2
import numpy as np

from mmpose_face.datasets.transforms import PhotometricDistortion

from test_datasets.wflw_samples import face


# --------------------------------------------------------------------------- photometric transforms
def test_photometric_distortion_is_seeded_and_changes_colours_not_geometry(face):
    small = cv2.resize(face['img'], (64, 48))
    outs = []
    for seed in (0, 0, 1):
        np.random.seed(seed)
        outs.append(PhotometricDistortion()(dict(img=small.copy()))['img'])
    np.testing.assert_array_equal(outs[0], outs[1])
    assert not np.array_equal(outs[0], outs[2])
    assert outs[0].shape == small.shape and outs[0].dtype == np.uint8


def test_photometric_distortion_brightness_only_adds_an_offset():
    img = np.full((4, 4, 3), 100, np.uint8)
    transform = PhotometricDistortion(brightness_delta=20, contrast_range=(1, 1), saturation_range=(1, 1),
                                      hue_delta=1)
    offsets = set()
    for seed in range(20):
        np.random.seed(seed)
        out = transform(dict(img=img.copy()))['img']
        offsets.add(int(out[0, 0, 0]) - 100)
        assert np.all(out == out[0, 0, 0])  # grey stays grey: the same offset on every channel
    assert 0 in offsets and len(offsets) > 3 and all(abs(o) <= 20 for o in offsets)
