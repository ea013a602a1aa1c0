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


def get_warp_matrix(center, scale, rot: float, output_size, shift=(0., 0.), inv: bool = False,
                    fix_aspect_ratio: bool = True) -> np.ndarray:
    """(2, 3) matrix taking image pixels to crop pixels (mmpose 1.3.2's signature).

    The box of size ``scale`` (w, h) pixels centred at ``center + scale *
    shift`` (``shift`` in box sizes), turned by ``rot`` degrees
    (counter-clockwise in the image), maps onto an ``output_size`` (w, h)
    crop, its centre to the crop centre. With ``fix_aspect_ratio`` only the
    box width sets the zoom (the caller has widened the box to the crop's
    aspect ratio); without it width and height are mapped separately. Built
    from three point correspondences in float32 (the published convention,
    so that crops match mmpose to the pixel). ``inv`` gives the crop -> image map.
    """
    shift = np.array(shift)
    src_w, src_h = scale[:2]
    dst_w, dst_h = output_size[:2]
    angle = np.deg2rad(rot)
    src_dir = _rotate(np.array([src_w * -0.5, 0.]), angle)
    src = np.zeros((3, 2), dtype=np.float32)
    dst = np.zeros((3, 2), dtype=np.float32)
    src[0] = center + scale * shift
    src[1] = center + src_dir + scale * shift
    dst[0] = [dst_w * 0.5, dst_h * 0.5]
    dst[1] = np.array([dst_w * 0.5, dst_h * 0.5]) + np.array([dst_w * -0.5, 0.])
    if fix_aspect_ratio:
        src[2] = _perpendicular_point(src[0], src[1])
        dst[2] = _perpendicular_point(dst[0], dst[1])
    else:
        src[2] = center + _rotate(np.array([0., src_h * -0.5]), angle) + scale * shift
        dst[2] = np.array([dst_w * 0.5, dst_h * 0.5]) + np.array([0., dst_h * -0.5])
    if inv:
        return cv2.getAffineTransform(dst, src)
    return cv2.getAffineTransform(src, dst)
