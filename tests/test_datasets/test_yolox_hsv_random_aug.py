"""mmdet.YOLOXHSVRandomAug: integer HSV shifts from numpy's generator, hue wrapping, in place.

The same draws and images as mmdet 3.3.0's: tests/test_datasets/test_recipe_parts_match_mmpose.py (``hsv``).
"""
import cv2
import numpy as np

from mmpose_face.datasets.transforms import YOLOXHSVRandomAug
from mmpose_face.registry import TRANSFORMS


def test_gains_are_uniform_draws_times_deltas_switched_by_coins():
    transform = YOLOXHSVRandomAug(5, 30, 30)
    np.random.seed(3)
    gains = transform._get_hsv_gains()
    np.random.seed(3)
    expected = (np.random.uniform(-1, 1, 3) * [5, 30, 30] * np.random.randint(0, 2, 3)).astype(np.int16)
    np.testing.assert_array_equal(gains, expected)
    assert gains.dtype == np.int16


def test_hue_wraps_and_value_clips(monkeypatch):
    img = np.full((4, 4, 3), (0, 0, 255), np.uint8)  # pure red: hue 0, saturation 255, value 255
    transform = YOLOXHSVRandomAug()
    monkeypatch.setattr(transform, '_get_hsv_gains', lambda: np.array([-60, 0, 40], np.int16))
    out = transform.transform(dict(img=img))['img']
    assert out is img  # written in place, as mmdet's
    hsv = cv2.cvtColor(out, cv2.COLOR_BGR2HSV)
    assert abs(int(hsv[0, 0, 0]) - 120) <= 1 and hsv[0, 0, 2] == 255  # hue 0 - 60 -> 120 (blue), value stays 255


def test_config_name_in_mmdet_scope():
    transform = TRANSFORMS.build(dict(type='mmdet.YOLOXHSVRandomAug', hue_delta=1))
    assert isinstance(transform, YOLOXHSVRandomAug)
    assert repr(transform) == 'YOLOXHSVRandomAug(hue_delta=1, saturation_delta=30, value_delta=30)'
