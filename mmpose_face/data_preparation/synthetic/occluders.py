"""Occluders (hand, bar, sunglasses, face mask) and which landmarks they hide."""
import math

import numpy as np

from .drawing_primitives import ellipse_polygon, hsv_to_bgr, polygon_mask, segment_polygon
from .face_attributes import MIN_OCCLUDED_LANDMARKS
from .face_shape_model import NUM_KEYPOINTS


def _occluder_shapes(rng, kind, landmarks, face_width):
    """Polygons (pixels) and colours of one occluder of ``kind``."""
    if kind == 'sunglasses':
        eye_line = landmarks[97] - landmarks[96]
        angle = math.degrees(math.atan2(eye_line[1], eye_line[0]))
        lens = (20, 20, 20) if rng.random() < 0.6 else hsv_to_bgr(rng.uniform(0, 360), 0.6, 0.3)
        frame = tuple(int(c) for c in rng.integers(0, 90, 3))
        shapes = []
        for pupil, outer, inner in ((96, 60, 64), (97, 72, 68)):
            eye_width = np.linalg.norm(landmarks[outer] - landmarks[inner])
            shapes.append((ellipse_polygon(landmarks[pupil], (0.8 * eye_width, 0.6 * eye_width), angle), lens))
        shapes.append((segment_polygon(landmarks[64], landmarks[68], 0.04 * face_width), frame))
        shapes.append((segment_polygon(landmarks[60], landmarks[0], 0.04 * face_width), frame))
        shapes.append((segment_polygon(landmarks[72], landmarks[32], 0.04 * face_width), frame))
        return shapes
    if kind == 'mask':
        colour = hsv_to_bgr(rng.uniform(0, 360), rng.uniform(0, 0.4), rng.uniform(0.6, 1.0))
        # A face mask: the lower jaw (3-29) closed by an edge across the nose bridge (53).
        top_edge = np.stack([0.5 * (landmarks[29] + landmarks[53]), landmarks[53],
                             0.5 * (landmarks[3] + landmarks[53])])
        return [(np.concatenate([landmarks[3:30], top_edge]), colour)]
    centre = landmarks[rng.choice([90, 54, 96, 97, 16, 5, 27, 62, 70])]
    centre = centre + rng.normal(0, 0.08 * face_width, 2)
    if kind == 'hand':
        colour = hsv_to_bgr(rng.uniform(15, 35), rng.uniform(0.25, 0.6), rng.uniform(0.35, 0.95))
        angle = rng.uniform(0, 360)
        palm = (0.26 * face_width, 0.32 * face_width)
        shapes = [(ellipse_polygon(centre, palm, angle), colour)]
        a = math.radians(angle)
        along = np.array([math.cos(a), math.sin(a)])
        for finger in range(4):
            b = a + math.radians(-36 + 24 * finger)
            direction = np.array([math.cos(b), math.sin(b)])
            base = centre + 0.2 * face_width * direction
            tip = base + 0.3 * face_width * direction
            shapes.append((ellipse_polygon(0.5 * (base + tip), (0.2 * face_width, 0.045 * face_width),
                                            math.degrees(b)), colour))
        thumb_base = centre - 0.15 * face_width * along
        shapes.append((segment_polygon(thumb_base, thumb_base + 0.3 * face_width * np.array(
            [-along[1], along[0]]), 0.09 * face_width), colour))
        return shapes
    # 'bar': a stick, phone or microphone held across the face.
    colour = hsv_to_bgr(rng.uniform(0, 360), rng.uniform(0.3, 1.0), rng.uniform(0.2, 0.9))
    angle = math.radians(rng.uniform(0, 180))
    half = 1.3 * face_width * np.array([math.cos(angle), math.sin(angle)])
    return [(segment_polygon(centre - half, centre + half, rng.uniform(0.15, 0.3) * face_width), colour)]


def occluded_landmarks(face, occluder=None):
    """(98,) bool: landmarks covered by the occluder (clipped to the face region)."""
    occluder = face.occluder if occluder is None else occluder
    x0, y0, x1, y1 = face.region
    mask = polygon_mask((y1 - y0, x1 - x0), occluder, np.array([x0, y0]))
    columns = np.floor(face.landmarks[:, 0]).astype(int) - x0
    rows = np.floor(face.landmarks[:, 1]).astype(int) - y0
    inside = (columns >= 0) & (columns < x1 - x0) & (rows >= 0) & (rows < y1 - y0)
    covered = np.zeros(NUM_KEYPOINTS, dtype=bool)
    covered[inside] = mask[rows[inside], columns[inside]] >= 128
    return covered


def sample_occluder(rng, face):
    """Occluder polygons that hide >= MIN_OCCLUDED_LANDMARKS landmarks of ``face``."""
    face_width = float(np.ptp(face.landmarks[:, 0]))
    for _ in range(6):
        kind = rng.choice(['hand', 'bar', 'sunglasses', 'mask'], p=[0.35, 0.25, 0.25, 0.15])
        shapes = _occluder_shapes(rng, kind, face.landmarks, face_width)
        if occluded_landmarks(face, shapes).sum() >= MIN_OCCLUDED_LANDMARKS:
            return tuple(shapes)
    return tuple(_occluder_shapes(rng, 'sunglasses', face.landmarks, face_width))
