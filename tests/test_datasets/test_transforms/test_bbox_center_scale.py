"""GetBBoxCenterScale: the dataset box (centre and scale, or corners) padded."""
import numpy as np

from mmpose_face.datasets.transforms import GetBBoxCenterScale


# --------------------------------------------------------------------------- box
def test_get_bbox_center_scale_pads_the_dataset_box():
    results = GetBBoxCenterScale(padding=1.25)(dict(
        bbox_center=np.array([[100., 50.]], np.float32), bbox_scale=np.array([[80., 80.]], np.float32)))
    np.testing.assert_allclose(results['bbox_center'], [[100, 50]])
    np.testing.assert_allclose(results['bbox_scale'], [[100, 100]])


def test_get_bbox_center_scale_from_corners():
    results = GetBBoxCenterScale(padding=1.25)(dict(bbox=np.array([[10., 20., 50., 100.]], np.float32)))
    np.testing.assert_allclose(results['bbox_center'], [[30, 60]])
    np.testing.assert_allclose(results['bbox_scale'], [[50, 100]])
