"""Anti-aliased polygon, polyline and colour helpers shared by the face drawing and the occluders.

Points are float pixels (N, 2); cv2 draws them with SUBPIXEL_BITS fractional bits.
"""
import colorsys
import math

import cv2
import numpy as np

SUBPIXEL_BITS = 4               # cv2 sub-pixel bits for drawing
SUBPIXEL_ONE = 1 << SUBPIXEL_BITS


def fixed_point(points):
    return np.round(np.asarray(points, dtype=np.float64) * SUBPIXEL_ONE).astype(np.int32).reshape(-1, 1, 2)


def fill_polygon(image, points, colour):
    cv2.fillPoly(image, [fixed_point(points)], colour, cv2.LINE_AA, SUBPIXEL_BITS)


def stroke_polyline(image, points, colour, thickness, closed=False):
    cv2.polylines(image, [fixed_point(points)], closed, colour, max(1, int(round(thickness))), cv2.LINE_AA, SUBPIXEL_BITS)


def scaled_colour(colour, factor):
    return tuple(int(min(255, max(0, c * factor))) for c in colour)


def blend_polygon(image, points, colour, alpha):
    """Fill a polygon with ``colour`` at opacity ``alpha`` (0-1)."""
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 2
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    mask = np.zeros(roi.shape[:2], dtype=np.uint8)
    cv2.fillPoly(mask, [fixed_point(points - [x0, y0])], 255, cv2.LINE_AA, SUBPIXEL_BITS)
    weight = (mask.astype(np.float32) * (alpha / 255))[..., None]
    roi[:] = (roi * (1 - weight) + np.array(colour, dtype=np.float32) * weight).astype(np.uint8)



def hsv_to_bgr(hue_deg, saturation, value):
    red, green, blue = colorsys.hsv_to_rgb((hue_deg % 360) / 360, saturation, value)
    return (int(round(blue * 255)), int(round(green * 255)), int(round(red * 255)))



def ellipse_polygon(centre, semi_axes, angle_deg, num_points=32):
    t = np.linspace(0, 2 * np.pi, num_points, endpoint=False)
    a = math.radians(angle_deg)
    x = semi_axes[0] * np.cos(t)
    y = semi_axes[1] * np.sin(t)
    return np.stack([centre[0] + x * math.cos(a) - y * math.sin(a),
                     centre[1] + x * math.sin(a) + y * math.cos(a)], axis=1)


def segment_polygon(start, end, thickness):
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    direction = end - start
    normal = np.array([-direction[1], direction[0]]) / (np.linalg.norm(direction) + 1e-9)
    offset = 0.5 * thickness * normal
    return np.stack([start + offset, end + offset, end - offset, start - offset])


def polygon_mask(shape_hw, polygons, offset_xy):
    mask = np.zeros(shape_hw, dtype=np.uint8)
    for polygon, _ in polygons:
        cv2.fillPoly(mask, [fixed_point(polygon - offset_xy)], 255, cv2.LINE_AA, SUBPIXEL_BITS)
    return mask
