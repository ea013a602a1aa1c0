"""TopdownAffine: the crop and the keypoints move together, for any rotation and aspect ratio."""
import numpy as np
import pytest

from mmpose_face.datasets.transforms import TopdownAffine


# --------------------------------------------------------------------------- affine
def gaussian_dot(shape, x, y, sigma=3.0):
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]]
    dot = np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma ** 2)) * 255
    return np.repeat(dot[..., None], 3, axis=2).astype(np.uint8)


def centroid(image):
    weights = image[..., 0].astype(np.float64)
    ys, xs = np.mgrid[0:image.shape[0], 0:image.shape[1]]
    return np.array([(xs * weights).sum(), (ys * weights).sum()]) / weights.sum()


@pytest.mark.parametrize('rotation, input_size', [(0.0, (64, 64)), (30.0, (64, 64)), (-75.0, (48, 64))])
def test_topdown_affine_moves_keypoints_with_the_image(rotation, input_size):
    dot = np.array([[131.3, 74.6]], np.float32)
    image = gaussian_dot((160, 240), *dot[0], sigma=5.0)
    results = TopdownAffine(input_size=input_size)(dict(
        img=image, keypoints=dot[None], keypoints_visible=np.ones((1, 1), np.float32),
        bbox_center=np.array([[120., 80.]], np.float32), bbox_scale=np.array([[90., 90.]], np.float32),
        bbox_rotation=np.array([rotation], np.float32)))
    w, h = input_size
    assert results['img'].shape == (h, w, 3)
    assert results['input_size'] == (w, h)
    # the box is widened to the crop's aspect ratio, never shrunk
    np.testing.assert_allclose(results['input_scale'], [90, 90 * h / w] if h > w else [90, 90])
    transformed = results['transformed_keypoints'][0, 0]
    peak = np.unravel_index(np.argmax(results['img'][..., 0]), (h, w))[::-1]
    assert np.abs(np.array(peak) - transformed).max() <= 1.0
    assert np.abs(centroid(results['img']) - transformed).max() < 0.3
    if rotation == 0.0:  # by hand: crop = (p - centre) * 64 / 90 + 32
        np.testing.assert_allclose(transformed, (dot[0] - [120, 80]) * 64 / 90 + 32, atol=1e-3)
