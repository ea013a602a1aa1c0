"""Random faces: identity, expression, pose, colours, effects, and their place in an image.

Every draw comes from the ``rng`` passed in (numpy Generator), in a fixed
order, so the same rng state gives the same faces.
"""
import colorsys
import math
from dataclasses import replace

import numpy as np

from .drawing_primitives import hsv_to_bgr
from .face_attributes import ATTRIBUTE_NAMES, ATTRIBUTE_PROBABILITIES
from .face_description import BlurEffect, FaceLook, FacePose, FaceShape, IlluminationChange
from .face_placement import drawn_points, place_face, region_margin
from .occluders import sample_occluder

# Face width (landmark box, pixels) for images with 1, 2 and 3 faces.
FACE_WIDTH_RANGE = {1: (90, 200), 2: (75, 130), 3: (70, 100)}
MIN_FACE_WIDTH = 64             # pixels; a group face that would be smaller is left out


def sample_attribute_flags(rng):
    """Independent draws of the six flags, dict name -> bool."""
    return {name: bool(rng.random() < ATTRIBUTE_PROBABILITIES[name]) for name in ATTRIBUTE_NAMES}


def sample_face_shape(rng, expressive):
    """A random symmetric identity with a neutral or (``expressive``) strong expression."""
    u = rng.uniform
    if expressive:
        kind = rng.choice(['open', 'smile', 'both'])
        mouth_open = u(0.15, 0.35) if kind != 'smile' else u(0.0, 0.08)
        smile = u(0.12, 0.2) if kind != 'open' else u(-0.02, 0.04)
    else:
        mouth_open = u(0.0, 0.04) if rng.random() < 0.4 else 0.0
        smile = u(-0.02, 0.03)
    return FaceShape(
        jaw_half_width=u(0.92, 1.08), jaw_top_y=u(-0.67, -0.57), chin_y=u(1.02, 1.22),
        jaw_side_exponent=u(0.8, 1.05), jaw_chin_exponent=u(1.2, 1.8),
        forehead_height=u(0.7, 0.9), eye_centre_x=u(0.38, 0.46), eye_y=u(-0.49, -0.41),
        eye_half_width=u(0.14, 0.19), eye_upper_height=u(0.06, 0.1),
        eye_lower_height=u(0.035, 0.06), eye_tilt=u(-0.01, 0.03), brow_gap=u(0.05, 0.12),
        brow_inner_x=u(0.14, 0.22), brow_outer_x=u(0.72, 0.85),
        brow_thickness=u(0.05, 0.085), brow_arch=u(0.02, 0.08), nose_tip_y=u(-0.05, 0.05),
        nose_depth=u(0.28, 0.38), nostril_half_width=u(0.15, 0.22), nostril_drop=u(0.08, 0.12),
        mouth_y=u(0.4, 0.5), mouth_half_width=u(0.27, 0.38),
        upper_lip_thickness=u(0.06, 0.1), lower_lip_thickness=u(0.08, 0.13),
        mouth_open=mouth_open, smile=smile)


def sample_head_angles(rng, large_pose):
    """(yaw, pitch, roll) degrees; ``large_pose``: |yaw| or |roll| of 33-50."""
    sign = lambda: rng.choice([-1.0, 1.0])  # noqa: E731
    yaw = rng.uniform(-22, 22)
    roll = rng.uniform(-22, 22)
    pitch = rng.uniform(-15, 15)
    if large_pose:
        if rng.random() < 0.6:
            yaw = sign() * rng.uniform(33, 45)
        else:
            roll = sign() * rng.uniform(33, 50)
    return float(yaw), float(pitch), float(roll)


_SKIN_TONES_RGB = np.array([[255, 224, 196], [236, 196, 162], [214, 166, 124],
                            [176, 124, 88], [128, 86, 58], [92, 62, 44]], dtype=np.float64)
_HAIR_RGB = [(20, 16, 14), (60, 40, 28), (110, 72, 40), (200, 170, 110), (150, 70, 30), (150, 150, 150)]
_IRIS_RGB = [(90, 60, 30), (60, 40, 20), (60, 110, 160), (80, 120, 80), (100, 100, 110)]


def sample_face_look(rng, makeup):
    """Colours; ``makeup``: saturated lipstick, eye shadow."""
    tone = rng.uniform(0, len(_SKIN_TONES_RGB) - 1)
    low = int(tone)
    high = min(low + 1, len(_SKIN_TONES_RGB) - 1)
    skin_rgb = _SKIN_TONES_RGB[low] + (tone - low) * (_SKIN_TONES_RGB[high] - _SKIN_TONES_RGB[low])
    skin_rgb = np.clip(skin_rgb * rng.uniform(0.92, 1.05, 3), 0, 255)
    skin_bgr = tuple(int(c) for c in skin_rgb[::-1])
    skin_hue, _, skin_value = colorsys.rgb_to_hsv(*(skin_rgb / 255))
    hair_rgb = np.clip(np.array(_HAIR_RGB[rng.integers(len(_HAIR_RGB))]) * rng.uniform(0.8, 1.2), 0, 255)
    iris_rgb = _IRIS_RGB[rng.integers(len(_IRIS_RGB))]
    if makeup:
        lip_bgr = hsv_to_bgr(rng.choice([350, 340, 320, 0, 8]) + rng.uniform(-8, 8),
                              rng.uniform(0.75, 0.95), rng.uniform(0.55, 0.9))
        eye_shadow_bgr = hsv_to_bgr(rng.choice([210, 270, 300, 130, 45]) + rng.uniform(-15, 15),
                                     rng.uniform(0.6, 0.9), rng.uniform(0.5, 0.85))
    else:
        lip_bgr = hsv_to_bgr(skin_hue * 360 - rng.uniform(5, 15), rng.uniform(0.3, 0.45),
                              skin_value * rng.uniform(0.7, 0.85))
        eye_shadow_bgr = None
    return FaceLook(skin_bgr=skin_bgr, hair_bgr=tuple(int(c) for c in hair_rgb[::-1]),
                    iris_bgr=tuple(int(c) for c in iris_rgb[::-1]), lip_bgr=lip_bgr,
                    eye_shadow_bgr=eye_shadow_bgr, has_hair=bool(rng.random() < 0.9))


def sample_illumination(rng):
    """A strong lighting change: dark, over-exposed or a steep gradient."""
    kind = rng.choice(['dark', 'overexposed', 'gradient'])
    direction = float(rng.uniform(0, 360))
    if kind == 'dark':
        gain = float(rng.uniform(0.2, 0.38))
        return IlluminationChange(gain, gain, direction)
    if kind == 'overexposed':
        gain = float(rng.uniform(1.8, 2.4))
        return IlluminationChange(gain, gain, direction)
    return IlluminationChange(float(rng.uniform(0.15, 0.35)), float(rng.uniform(1.3, 1.7)), direction)


def sample_blur(rng, face_width_px):
    """Defocus (Gaussian) or motion blur, scaled to the face size."""
    if rng.random() < 0.5:
        return BlurEffect('gaussian', max(2.0, face_width_px * rng.uniform(0.025, 0.05)))
    return BlurEffect('motion', max(7.0, face_width_px * rng.uniform(0.08, 0.15)),
                      float(rng.uniform(0, 180)))


def _image_cells(rng, num_faces, width, height):
    """Disjoint (x0, y0, x1, y1) cells of the image, one per face."""
    if num_faces == 1:
        return [(0, 0, width, height)]
    split_x = int(width * rng.uniform(0.45, 0.55))
    split_y = int(height * rng.uniform(0.45, 0.55))
    if num_faces == 2:
        if rng.random() < 0.7:
            return [(0, 0, split_x, height), (split_x, 0, width, height)]
        return [(0, 0, width, split_y), (0, split_y, width, height)]
    quarters = [(0, 0, split_x, split_y), (split_x, 0, width, split_y),
                (0, split_y, split_x, height), (split_x, split_y, width, height)]
    keep = sorted(rng.choice(4, size=num_faces, replace=False))
    return [quarters[i] for i in keep]


def _origin_range(axis, cell, size, pixels_per_unit, landmark_extent, drawn_extent):
    """(low, high) positions of the face origin along ``axis`` that keep the
    landmarks inside the image and everything drawn inside ``cell`` (cell
    edges on the image border may be overrun: drawing is cut by the image)."""
    edge_margin = 4
    low = edge_margin - landmark_extent[0] * pixels_per_unit
    high = size - edge_margin - landmark_extent[1] * pixels_per_unit
    margin = region_margin(pixels_per_unit) + 1
    if cell[axis] > 0:
        low = max(low, cell[axis] + margin - drawn_extent[0] * pixels_per_unit)
    if cell[axis + 2] < size:
        high = min(high, cell[axis + 2] - margin - drawn_extent[1] * pixels_per_unit)
    return low, high


def sample_faces(rng, num_faces, width, height, face_widths=None, min_face_width=MIN_FACE_WIDTH):
    """``num_faces`` faces placed in disjoint cells of a width x height image.

    Every landmark lies inside the image; faces' regions never overlap. A
    face that cannot fit its cell even when shrunk below ``min_face_width``
    pixels is left out. ``face_widths``: (num_faces,) landmark-box widths in
    pixels to aim at; by default drawn uniformly from ``FACE_WIDTH_RANGE``.
    """
    faces = []
    low_width, high_width = FACE_WIDTH_RANGE[num_faces]
    for face_index, cell in enumerate(_image_cells(rng, num_faces, width, height)):
        flags = sample_attribute_flags(rng)
        shape = sample_face_shape(rng, flags['expression'])
        yaw, pitch, roll = sample_head_angles(rng, flags['pose'])
        look = sample_face_look(rng, flags['makeup'])
        unit = place_face(shape, FacePose(yaw, pitch, roll, 1.0, (0.0, 0.0)), look)
        unit_drawn = drawn_points(unit.landmarks, unit.parts, look)
        landmark_extent = np.stack([unit.landmarks.min(axis=0), unit.landmarks.max(axis=0)], axis=1)
        drawn_extent = np.stack([unit_drawn.min(axis=0), unit_drawn.max(axis=0)], axis=1)
        unit_width = landmark_extent[0, 1] - landmark_extent[0, 0]
        wanted_width = rng.uniform(low_width, high_width) if face_widths is None else face_widths[face_index]
        scale = wanted_width / unit_width
        origin = None
        while scale * unit_width >= min_face_width:   # shrink until the face fits its cell
            x_range = _origin_range(0, cell, width, scale, landmark_extent[0], drawn_extent[0])
            y_range = _origin_range(1, cell, height, scale, landmark_extent[1], drawn_extent[1])
            if x_range[0] <= x_range[1] and y_range[0] <= y_range[1]:
                origin = (float(rng.uniform(*x_range)), float(rng.uniform(*y_range)))
                break
            scale *= 0.92
        if origin is None:
            continue
        face = place_face(shape, FacePose(yaw, pitch, roll, scale, origin), look)
        face = replace(face, region=clip_box(face.region, width, height))
        face_width = face.face_box[2] - face.face_box[0]
        face_height = face.face_box[3] - face.face_box[1]
        jitter = rng.uniform(-0.02, 0.1, 4) * np.array([face_width, face_height, face_width, face_height])
        box = (int(math.floor(face.landmarks[:, 0].min() - jitter[0])),
               int(math.floor(face.landmarks[:, 1].min() - jitter[1])),
               int(math.ceil(face.landmarks[:, 0].max() + jitter[2])),
               int(math.ceil(face.landmarks[:, 1].max() + jitter[3])))
        box = (max(box[0], 0), max(box[1], 0), min(box[2], width - 1), min(box[3], height - 1))
        face = replace(face, face_box=box,
                       occluder=sample_occluder(rng, face) if flags['occlusion'] else (),
                       illumination=sample_illumination(rng) if flags['illumination'] else None,
                       blur=sample_blur(rng, face_width) if flags['blur'] else None)
        faces.append(face)
    return faces


def clip_box(box, width, height):
    x0, y0, x1, y1 = box
    return (max(x0, 0), max(y0, 0), min(x1, width), min(y1, height))
