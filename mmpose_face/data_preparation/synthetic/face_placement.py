"""Project a face into an image: landmarks, drawn outlines, its region and its box."""
import math

import numpy as np

from .face_description import SyntheticFace
from .face_shape_model import build_face_points, project_points

REGION_MARGIN_UNITS = 0.3       # free space around what a face draws, face units


def drawn_points(landmarks, parts, look):
    """(N, 2) every outline point a face draws (landmarks, forehead, neck, hair)."""
    hair = [parts['hair_cap'], parts['fringe']] if look.has_hair else []
    return np.concatenate([landmarks, parts['forehead'], parts['neck']] + hair)


def region_margin(pixels_per_unit):
    return REGION_MARGIN_UNITS * pixels_per_unit + 3


def place_face(shape, pose, look):
    """Project ``shape`` under ``pose``: a SyntheticFace with no effects.

    The face box is the landmark box (no detector jitter) and the region is
    not clipped to any image; see :func:`sample_faces`.
    """
    points = build_face_points(shape)
    projected = {name: project_points(value, pose) for name, value in points.items()}
    landmarks = projected.pop('landmarks')
    drawn = drawn_points(landmarks, projected, look)
    margin = region_margin(pose.pixels_per_unit)
    region = (int(math.floor(drawn[:, 0].min() - margin)), int(math.floor(drawn[:, 1].min() - margin)),
              int(math.ceil(drawn[:, 0].max() + margin)), int(math.ceil(drawn[:, 1].max() + margin)))
    face_box = (int(math.floor(landmarks[:, 0].min())), int(math.floor(landmarks[:, 1].min())),
                int(math.ceil(landmarks[:, 0].max())), int(math.ceil(landmarks[:, 1].max())))
    return SyntheticFace(shape=shape, pose=pose, look=look, landmarks=landmarks, parts=projected,
                         region=region, face_box=face_box)
