"""The affine map from an image to a face crop: centre, size and rotation of the box."""
import cv2
import numpy as np


def _rotate(point: np.ndarray, angle_rad: float) -> np.ndarray:
    sin, cos = np.sin(angle_rad), np.cos(angle_rad)
    return np.array([point[0] * cos - point[1] * sin, point[0] * sin + point[1] * cos])


def _perpendicular_point(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The point c with c - b equal to (a - b) turned by 90 degrees."""
    direction = a - b
    return b + np.array([-direction[1], direction[0]])


def get_warp_matrix(center, scale, rot: float, output_size, inv: bool = False) -> np.ndarray:
    """(2, 3) matrix taking image pixels to crop pixels.

    The box of width ``scale[0]`` centred at ``center``, turned by ``rot``
    degrees (counter-clockwise in the image), maps onto an ``output_size``
    (w, h) crop, its centre to the crop centre. Built from three point
    correspondences in float32 (the published convention, so that crops
    match mmpose to the pixel). ``inv`` gives the crop -> image map.
    """
    src_w = scale[0]
    dst_w, dst_h = output_size
    src_dir = _rotate(np.array([src_w * -0.5, 0.]), np.deg2rad(rot))
    src = np.zeros((3, 2), dtype=np.float32)
    dst = np.zeros((3, 2), dtype=np.float32)
    src[0] = center
    src[1] = center + src_dir
    src[2] = _perpendicular_point(src[0], src[1])
    dst[0] = [dst_w * 0.5, dst_h * 0.5]
    dst[1] = dst[0] + np.array([dst_w * -0.5, 0.])
    dst[2] = _perpendicular_point(dst[0], dst[1])
    if inv:
        return cv2.getAffineTransform(dst, src)
    return cv2.getAffineTransform(src, dst)
