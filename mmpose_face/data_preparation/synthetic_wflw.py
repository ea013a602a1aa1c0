"""Synthetic WFLW: drawn faces with exact 98-point landmarks, in the release layout.

:func:`make_synthetic_wflw` writes a data set that the WFLW converter reads
like the official release::

    OUT/WFLW_images/0--Synthetic/0_Synthetic_train_000012.jpg
    OUT/WFLW_images/1--SyntheticGroup/1_SyntheticGroup_test_000007.jpg
    OUT/WFLW_annotations/list_98pt_rect_attr_train_test/
        list_98pt_rect_attr_{train,test}.txt
    OUT/synthetic_wflw.json            (what was made; marks OUT as ours)

A list line holds 196 landmark coordinates (x0 y0 ... x97 y97, pixels,
6 decimals), the face rectangle ``x_min y_min x_max y_max`` (integers), six
0/1 flags (pose, expression, illumination, make-up, occlusion, blur) and the
image path relative to ``WFLW_images/``. Images holding several faces get
one line per face.

How a face is made: a mean 98-point template in a 3D face frame (x to the
image right, y down, z towards the camera; one unit is half the jaw width,
origin at the nose tip) is deformed by a random but left/right symmetric
identity and an expression (:class:`FaceShape`), rotated by yaw, pitch and
roll, projected with a mild perspective, scaled and placed
(:class:`FacePose`). Everything drawn (skin, brows, eyes, nose, lips) is
drawn *through* the landmarks, so each landmark sits on an edge or a centre
that is visible in the image. The subject's right side (the image left of a
frontal face, points 0-15, 33-41, 60-67, 96) always carries a mole on the
cheek and the longer, side-swept hair, so the two halves of a face differ
and a horizontal flip without the WFLW index swap is visible.

Each attribute flag is computed from what was drawn (:func:`attribute_flags`)
and is sampled independently per face, with probabilities
:data:`ATTRIBUTE_PROBABILITIES`; when a flag is 0 its condition is not drawn.

Speed (measured): 2,000 faces (1,750 train + 250 test; 1,505 images of
256-320 px, JPEG writing included) take 14.8 s of CPU on one core of the
development machine, about 135 faces/s (14-24 s wall while the machine was
shared); ``make_synthetic_wflw`` returns the wall time as 'seconds'.
"""
import colorsys
import json
import math
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

NUM_KEYPOINTS = 98
ATTRIBUTE_NAMES = ('pose', 'expression', 'illumination', 'makeup',
                   'occlusion', 'blur')
# Chance that a face shows each attribute; sampled independently per face.
ATTRIBUTE_PROBABILITIES = dict(pose=0.2, expression=0.2, illumination=0.2,
                               makeup=0.15, occlusion=0.2, blur=0.15)

IMAGE_DIR = 'WFLW_images'
LIST_DIR = 'WFLW_annotations/list_98pt_rect_attr_train_test'
SUMMARY_FILE = 'synthetic_wflw.json'
SPLITS = ('train', 'test')
# WFLW-like event folders: single faces, and images with 2-3 faces.
SINGLE_FACE_EVENT = (0, 'Synthetic')
GROUP_EVENT = (1, 'SyntheticGroup')

# Thresholds of the attribute flags (what WFLW's annotators judged by eye).
POSE_THRESHOLD_DEG = 30.0       # |yaw| or |roll| above this: large pose
WIDE_OPEN_MOUTH = 0.10          # lip gap, face units: exaggerated expression
STRONG_SMILE = 0.08             # mouth-corner lift, face units
DARK_GAIN = 0.5                 # lighting gain below this: dark
OVEREXPOSED_GAIN = 1.6          # lighting gain above this: over-exposed
MAKEUP_LIP_SATURATION = 0.6     # HSV saturation of lip colour above: lipstick
MIN_OCCLUDED_LANDMARKS = 8      # an occluder must hide at least this many

IMAGE_SIDE_RANGE = (256, 320)   # pixels
# Face width (landmark box, pixels) for images with 1, 2 and 3 faces.
FACE_WIDTH_RANGE = {1: (90, 200), 2: (75, 130), 3: (70, 100)}
MIN_FACE_WIDTH = 64             # pixels; a group face that would be smaller is left out
FACES_PER_IMAGE_PROBABILITIES = {1: 0.75, 2: 0.18, 3: 0.07}
JPEG_QUALITY = 90

CAMERA_DISTANCE = 7.0           # face units; weak perspective
CHEEK_CURVATURE = 0.45          # depth of the face surface: z = -c * x**2
REGION_MARGIN_UNITS = 0.3       # free space around what a face draws, face units
EFFECT_FADE_UNITS = 0.25        # lighting/blur fade out over this, face units (< margin)
_SHIFT = 4                      # cv2 sub-pixel bits for drawing
_ONE = 1 << _SHIFT


# --------------------------------------------------------------------------
# Face description
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class FaceShape:
    """Identity and expression in face units (1 = half the jaw width).

    Every field applies to both halves of the face alike, so a frontal,
    un-rotated face built from any FaceShape is mirror symmetric.
    The defaults are the mean template.
    """
    jaw_half_width: float = 1.0
    jaw_top_y: float = -0.62          # height of points 0 and 32
    chin_y: float = 1.12              # point 16 with the mouth closed
    jaw_side_exponent: float = 0.95   # < 1: squarer jaw sides
    jaw_chin_exponent: float = 1.45   # > 1: jaw sides stay vertical longer
    forehead_height: float = 0.8      # above jaw_top_y
    eye_centre_x: float = 0.42
    eye_y: float = -0.45
    eye_half_width: float = 0.165
    eye_upper_height: float = 0.08
    eye_lower_height: float = 0.05
    eye_tilt: float = 0.01            # outer corner above inner corner by this
    brow_gap: float = 0.09            # eye top to brow lower edge
    brow_inner_x: float = 0.18
    brow_outer_x: float = 0.78
    brow_thickness: float = 0.07
    brow_arch: float = 0.05
    nose_tip_y: float = 0.0
    nose_depth: float = 0.35          # tip in front of the face surface
    nostril_half_width: float = 0.19
    nostril_drop: float = 0.1         # nostril base centre below the tip
    mouth_y: float = 0.45
    mouth_half_width: float = 0.33
    upper_lip_thickness: float = 0.08
    lower_lip_thickness: float = 0.1
    mouth_open: float = 0.0           # gap between inner lips at the centre
    smile: float = 0.0                # lift of the mouth corners


@dataclass(frozen=True)
class FacePose:
    """Head rotation (degrees) and placement in the image (pixels).

    Positive yaw turns the nose to the image right; positive pitch lifts
    the chin; positive roll turns the face clockwise in the image.
    ``origin_xy`` is where the face-frame origin (nose tip) lands.
    """
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    pixels_per_unit: float = 50.0
    origin_xy: tuple = (128.0, 128.0)


@dataclass(frozen=True)
class FaceLook:
    """Colours (BGR, 0-255) and make-up of one face."""
    skin_bgr: tuple = (150, 180, 220)
    hair_bgr: tuple = (30, 40, 60)
    iris_bgr: tuple = (40, 70, 110)
    lip_bgr: tuple = (120, 120, 190)
    eye_shadow_bgr: tuple = None      # None: no eye shadow
    has_hair: bool = True


@dataclass(frozen=True)
class IlluminationChange:
    """Lighting gain over the face, ramping from start to end along a direction."""
    gain_start: float
    gain_end: float
    direction_deg: float = 0.0


@dataclass(frozen=True)
class BlurEffect:
    """'gaussian' (size_px = sigma) or 'motion' (size_px = streak length)."""
    kind: str
    size_px: float
    angle_deg: float = 0.0


@dataclass(frozen=True)
class SyntheticFace:
    """One drawn face: its description, landmarks and image-space boxes.

    landmarks: (98, 2) pixels. parts: other projected outlines (pixels) used
    for drawing. region: (x0, y0, x1, y1), end-exclusive pixel box holding all
    that is drawn for this face (faces' regions never overlap). face_box:
    the annotated rectangle (x_min, y_min, x_max, y_max), inclusive pixels.
    occluder: ((polygon (N, 2) pixels, bgr), ...), empty when not occluded.
    """
    shape: FaceShape
    pose: FacePose
    look: FaceLook
    landmarks: np.ndarray
    parts: dict
    region: tuple
    face_box: tuple
    occluder: tuple = ()
    illumination: IlluminationChange = None
    blur: BlurEffect = None


# --------------------------------------------------------------------------
# Geometry: template in the face frame, then projection
# --------------------------------------------------------------------------
def _surface_depth(x, y):
    """z of the face surface at (x, y), face units; a horizontal cylinder-ish cap."""
    return -CHEEK_CURVATURE * np.square(x) - 0.08 * np.square(np.maximum(y - 0.3, 0))


def _with_depth(x, y, depth_offset=0.0):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return np.stack([x, y, _surface_depth(x, y) + depth_offset], axis=-1)


def _jaw_points(shape):
    """(33, 3) jaw contour, image left (0) through the chin (16) to image right (32)."""
    chin_y = shape.chin_y + 0.3 * shape.mouth_open  # the jaw drops as the mouth opens
    theta = np.arange(17) * (np.pi / 32)            # 0 .. pi/2: one side to the chin
    side = np.cos(theta) ** shape.jaw_side_exponent
    x_left = -shape.jaw_half_width * side
    y = shape.jaw_top_y + (chin_y - shape.jaw_top_y) * np.sin(theta) ** shape.jaw_chin_exponent
    x_left[16] = 0.0
    x = np.concatenate([x_left, -x_left[15::-1]])
    y = np.concatenate([y, y[15::-1]])
    return _with_depth(x, y)


def _brow_points(shape):
    """(18, 3): points 33-41 (image-left brow) then 42-50 (image-right brow).

    t runs from the outer tip (0) to the inner end (1) of a brow.
    """
    eye_top = shape.eye_y - shape.eye_upper_height
    lower_inner_y = eye_top - shape.brow_gap

    def upper(t):
        return lower_inner_y - shape.brow_thickness - shape.brow_arch * np.sin(np.pi * t ** 0.7) + 0.04 * (1 - t) ** 2

    def lower(t):
        return upper(t) + shape.brow_thickness * (0.3 + 0.7 * t)

    def x_at(t, sign):
        return sign * (shape.brow_outer_x + (shape.brow_inner_x - shape.brow_outer_x) * t)

    tip_y = upper(0.0) + 0.15 * shape.brow_thickness
    quarter = np.array([0.25, 0.5, 0.75, 1.0])
    left_x = [x_at(0.0, -1)] + list(x_at(quarter, -1)) + list(x_at(quarter[::-1], -1))
    left_y = [tip_y] + list(upper(quarter)) + list(lower(quarter[::-1]))
    right_x = list(x_at(quarter[::-1], 1)) + [x_at(0.0, 1)] + list(x_at(quarter, 1))
    right_y = list(upper(quarter[::-1])) + [tip_y] + list(lower(quarter))
    return _with_depth(left_x + right_x, left_y + right_y, depth_offset=0.05)


def _eye_points(shape):
    """(16, 3) eye outlines 60-75 and (2, 3) pupils 96, 97.

    s runs from the outer corner (0) to the inner corner (1) of an eye.
    """
    half_tilt = 0.5 * shape.eye_tilt

    def corner_line(s):
        return shape.eye_y - half_tilt + shape.eye_tilt * s

    def upper(s):
        return corner_line(s) - shape.eye_upper_height * np.sin(np.pi * s) ** 0.8

    def lower(s):
        return corner_line(s) + shape.eye_lower_height * np.sin(np.pi * s)

    def x_at(s, sign):
        outer = shape.eye_centre_x + shape.eye_half_width
        return sign * (outer - 2 * shape.eye_half_width * s)

    lid = np.array([0.25, 0.5, 0.75])
    # Image-left eye: 60 outer, 61-63 upper lid, 64 inner, 65-67 lower lid back.
    left_s = np.concatenate([[0.0], lid, [1.0], lid[::-1]])
    left_y = np.concatenate([[corner_line(0.0)], upper(lid), [corner_line(1.0)], lower(lid[::-1])])
    # Image-right eye: 68 inner, 69-71 upper lid, 72 outer, 73-75 lower lid back.
    right_s = np.concatenate([[1.0], lid[::-1], [0.0], lid])
    right_y = np.concatenate([[corner_line(1.0)], upper(lid[::-1]), [corner_line(0.0)], lower(lid)])
    outlines = _with_depth(np.concatenate([x_at(left_s, -1), x_at(right_s, 1)]),
                           np.concatenate([left_y, right_y]), depth_offset=-0.02)
    pupil_y = corner_line(0.5) + 0.5 * (shape.eye_lower_height - shape.eye_upper_height)
    pupils = _with_depth([x_at(0.5, -1), x_at(0.5, 1)], [pupil_y, pupil_y], depth_offset=-0.02)
    return outlines, pupils


def _nose_points(shape):
    """(9, 3): bridge 51-54 (top to tip), nostril base 55-59 (image left to right)."""
    bridge_top_y = shape.eye_y - 0.02
    t = np.linspace(0.0, 1.0, 4)
    bridge_y = bridge_top_y + (shape.nose_tip_y - bridge_top_y) * t
    bridge = _with_depth(np.zeros(4), bridge_y)
    bridge[:, 2] += 0.12 + (shape.nose_depth - 0.12) * t ** 1.5
    across = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    base_y = shape.nose_tip_y + shape.nostril_drop * np.array([0.55, 0.88, 1.0, 0.88, 0.55])
    base = _with_depth(shape.nostril_half_width * across, base_y)
    base[:, 2] += 0.08 + 0.12 * (1 - np.abs(across))
    return np.concatenate([bridge, base])


def _lip_points(shape):
    """(20, 3): outer lips 76-87 then inner lips 88-95."""
    half_width = shape.mouth_half_width
    inner_half_width = 0.85 * half_width

    def mid_line(x):  # the lips' meeting line; the corners rise with a smile
        return shape.mouth_y - shape.smile * np.square(x / half_width)

    def gap(x):
        return shape.mouth_open * np.sqrt(np.clip(1 - np.square(x / inner_half_width), 0, None))

    def upper_inner(x):
        return mid_line(x) - 0.35 * gap(x)

    def lower_inner(x):
        return mid_line(x) + 0.65 * gap(x)

    def upper_outer(x):
        u = x / half_width
        cupid_bow = 1 - 0.2 * np.exp(-np.square(u / 0.12))
        return upper_inner(x) - shape.upper_lip_thickness * np.sqrt(1 - u * u) * cupid_bow

    def lower_outer(x):
        u = x / half_width
        return lower_inner(x) + shape.lower_lip_thickness * np.sqrt(1 - u * u)

    upper_x = half_width * np.array([-0.6, -0.25, 0.0, 0.25, 0.6])
    lower_x = half_width * np.array([0.6, 0.3, 0.0, -0.3, -0.6])
    inner_x = half_width * np.array([-0.45, 0.0, 0.45])
    xs = np.concatenate([[-half_width], upper_x, [half_width], lower_x,
                         [-inner_half_width], inner_x, [inner_half_width], inner_x[::-1]])
    ys = np.concatenate([[mid_line(-half_width)], upper_outer(upper_x), [mid_line(half_width)],
                         lower_outer(lower_x), [mid_line(-inner_half_width)], upper_inner(inner_x),
                         [mid_line(inner_half_width)], lower_inner(inner_x[::-1])])
    return _with_depth(xs, ys, depth_offset=0.1)


def build_face_points(shape):
    """The face in its 3D frame (face units).

    Returns a dict of arrays (N, 3): 'landmarks' (98, 3) in WFLW order, and the
    drawn outlines that are not landmarks: 'forehead' (from the point-32 side
    over the top to the point-0 side), 'hair_cap', 'fringe', 'neck', 'mole'.
    """
    jaw = _jaw_points(shape)
    brows = _brow_points(shape)
    eyes, pupils = _eye_points(shape)
    landmarks = np.concatenate([jaw, brows, _nose_points(shape), eyes, _lip_points(shape), pupils])
    assert landmarks.shape == (NUM_KEYPOINTS, 3)

    width = shape.jaw_half_width
    top_y = shape.jaw_top_y
    phi = np.linspace(0, np.pi, 19)[1:-1]
    forehead = _with_depth(width * np.cos(phi) * (1 - 0.04 * np.sin(phi)),
                           top_y - shape.forehead_height * np.sin(phi))

    phi = np.linspace(0, np.pi, 25)
    hair_arc_x = 1.1 * width * np.cos(phi)
    hair_arc_y = top_y - (shape.forehead_height + 0.18) * np.sin(phi)
    # Longer hair on the subject's right (image left): one of the side cues.
    hair_cap = _with_depth(np.concatenate([[1.08 * width], hair_arc_x, [-1.1 * width]]),
                           np.concatenate([[top_y + 0.35], hair_arc_y, [top_y + 0.95]]),
                           depth_offset=-0.15)

    # A side-swept fringe: hangs lowest over the image-left brow, never reaching the brows.
    brow_top = brows[:, 1].min()
    phi = np.linspace(0.12 * np.pi, 0.88 * np.pi, 12)
    fringe_top_x = width * np.cos(phi) * (1 - 0.04 * np.sin(phi))
    fringe_top_y = top_y - shape.forehead_height * np.sin(phi) - 0.01
    forehead_top = top_y - shape.forehead_height
    edge_x = np.linspace(-0.9 * width, 0.9 * width, 9)
    reach = 0.35 + 0.65 * ((0.9 * width - edge_x) / (1.8 * width)) ** 1.2
    edge_y = forehead_top + (brow_top - 0.1 - forehead_top) * reach
    fringe = _with_depth(np.concatenate([fringe_top_x, edge_x]),
                         np.concatenate([fringe_top_y, edge_y]), depth_offset=0.03)

    chin_y = shape.chin_y + 0.3 * shape.mouth_open
    neck = _with_depth([-0.42 * width, 0.42 * width, 0.46 * width, -0.46 * width],
                       [0.5, 0.5, chin_y + 0.5, chin_y + 0.5], depth_offset=-0.3)
    mole = _with_depth([-0.55 * width], [0.15], depth_offset=0.01)
    return dict(landmarks=landmarks, forehead=forehead, hair_cap=hair_cap,
                fringe=fringe, neck=neck, mole=mole)


def frontal_template(shape=None):
    """(98, 2) landmarks of an un-rotated face in face units (default: mean shape)."""
    return build_face_points(shape or FaceShape())['landmarks'][:, :2].copy()


def rotation_matrix(yaw_deg, pitch_deg, roll_deg):
    """(3, 3) rotation applied to face-frame points: roll @ yaw @ pitch."""
    yaw, pitch, roll = np.deg2rad([yaw_deg, pitch_deg, roll_deg])
    cy, sy = math.cos(yaw), math.sin(yaw)
    cp, sp = math.cos(pitch), math.sin(pitch)
    cr, sr = math.cos(roll), math.sin(roll)
    about_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])   # nose (+z) to +x
    about_x = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])   # nose (+z) to -y
    in_plane = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    return in_plane @ about_y @ about_x


def project_points(points, pose):
    """Face-frame points (N, 3) -> image pixels (N, 2) under ``pose``."""
    rotated = points @ rotation_matrix(pose.yaw_deg, pose.pitch_deg, pose.roll_deg).T
    perspective = CAMERA_DISTANCE / (CAMERA_DISTANCE - rotated[:, 2:3])
    return rotated[:, :2] * perspective * pose.pixels_per_unit + np.asarray(pose.origin_xy, dtype=np.float64)


# --------------------------------------------------------------------------
# Attribute flags: computed from what is drawn
# --------------------------------------------------------------------------
def lip_saturation(look):
    """HSV saturation (0-1) of the lip colour."""
    blue, green, red = look.lip_bgr
    return colorsys.rgb_to_hsv(red / 255, green / 255, blue / 255)[1]


def attribute_flags(face):
    """The six WFLW flags (0/1) of a face, in :data:`ATTRIBUTE_NAMES` order."""
    pose = max(abs(face.pose.yaw_deg), abs(face.pose.roll_deg)) > POSE_THRESHOLD_DEG
    expression = face.shape.mouth_open > WIDE_OPEN_MOUTH or face.shape.smile > STRONG_SMILE
    illumination = False
    if face.illumination is not None:
        gains = (face.illumination.gain_start, face.illumination.gain_end)
        illumination = min(gains) < DARK_GAIN or max(gains) > OVEREXPOSED_GAIN
    makeup = face.look.eye_shadow_bgr is not None or lip_saturation(face.look) > MAKEUP_LIP_SATURATION
    occlusion = len(face.occluder) > 0
    blur = face.blur is not None
    return tuple(int(flag) for flag in (pose, expression, illumination, makeup, occlusion, blur))


# --------------------------------------------------------------------------
# Sampling
# --------------------------------------------------------------------------
def _hsv_to_bgr(hue_deg, saturation, value):
    red, green, blue = colorsys.hsv_to_rgb((hue_deg % 360) / 360, saturation, value)
    return (int(round(blue * 255)), int(round(green * 255)), int(round(red * 255)))


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
        lip_bgr = _hsv_to_bgr(rng.choice([350, 340, 320, 0, 8]) + rng.uniform(-8, 8),
                              rng.uniform(0.75, 0.95), rng.uniform(0.55, 0.9))
        eye_shadow_bgr = _hsv_to_bgr(rng.choice([210, 270, 300, 130, 45]) + rng.uniform(-15, 15),
                                     rng.uniform(0.6, 0.9), rng.uniform(0.5, 0.85))
    else:
        lip_bgr = _hsv_to_bgr(skin_hue * 360 - rng.uniform(5, 15), rng.uniform(0.3, 0.45),
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


def _ellipse_polygon(centre, semi_axes, angle_deg, num_points=32):
    t = np.linspace(0, 2 * np.pi, num_points, endpoint=False)
    a = math.radians(angle_deg)
    x = semi_axes[0] * np.cos(t)
    y = semi_axes[1] * np.sin(t)
    return np.stack([centre[0] + x * math.cos(a) - y * math.sin(a),
                     centre[1] + x * math.sin(a) + y * math.cos(a)], axis=1)


def _segment_polygon(start, end, thickness):
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    direction = end - start
    normal = np.array([-direction[1], direction[0]]) / (np.linalg.norm(direction) + 1e-9)
    offset = 0.5 * thickness * normal
    return np.stack([start + offset, end + offset, end - offset, start - offset])


def _occluder_shapes(rng, kind, landmarks, face_width):
    """Polygons (pixels) and colours of one occluder of ``kind``."""
    if kind == 'sunglasses':
        eye_line = landmarks[97] - landmarks[96]
        angle = math.degrees(math.atan2(eye_line[1], eye_line[0]))
        lens = (20, 20, 20) if rng.random() < 0.6 else _hsv_to_bgr(rng.uniform(0, 360), 0.6, 0.3)
        frame = tuple(int(c) for c in rng.integers(0, 90, 3))
        shapes = []
        for pupil, outer, inner in ((96, 60, 64), (97, 72, 68)):
            eye_width = np.linalg.norm(landmarks[outer] - landmarks[inner])
            shapes.append((_ellipse_polygon(landmarks[pupil], (0.8 * eye_width, 0.6 * eye_width), angle), lens))
        shapes.append((_segment_polygon(landmarks[64], landmarks[68], 0.04 * face_width), frame))
        shapes.append((_segment_polygon(landmarks[60], landmarks[0], 0.04 * face_width), frame))
        shapes.append((_segment_polygon(landmarks[72], landmarks[32], 0.04 * face_width), frame))
        return shapes
    if kind == 'mask':
        colour = _hsv_to_bgr(rng.uniform(0, 360), rng.uniform(0, 0.4), rng.uniform(0.6, 1.0))
        # A face mask: the lower jaw (3-29) closed by an edge across the nose bridge (53).
        top_edge = np.stack([0.5 * (landmarks[29] + landmarks[53]), landmarks[53],
                             0.5 * (landmarks[3] + landmarks[53])])
        return [(np.concatenate([landmarks[3:30], top_edge]), colour)]
    centre = landmarks[rng.choice([90, 54, 96, 97, 16, 5, 27, 62, 70])]
    centre = centre + rng.normal(0, 0.08 * face_width, 2)
    if kind == 'hand':
        colour = _hsv_to_bgr(rng.uniform(15, 35), rng.uniform(0.25, 0.6), rng.uniform(0.35, 0.95))
        angle = rng.uniform(0, 360)
        palm = (0.26 * face_width, 0.32 * face_width)
        shapes = [(_ellipse_polygon(centre, palm, angle), colour)]
        a = math.radians(angle)
        along = np.array([math.cos(a), math.sin(a)])
        for finger in range(4):
            b = a + math.radians(-36 + 24 * finger)
            direction = np.array([math.cos(b), math.sin(b)])
            base = centre + 0.2 * face_width * direction
            tip = base + 0.3 * face_width * direction
            shapes.append((_ellipse_polygon(0.5 * (base + tip), (0.2 * face_width, 0.045 * face_width),
                                            math.degrees(b)), colour))
        thumb_base = centre - 0.15 * face_width * along
        shapes.append((_segment_polygon(thumb_base, thumb_base + 0.3 * face_width * np.array(
            [-along[1], along[0]]), 0.09 * face_width), colour))
        return shapes
    # 'bar': a stick, phone or microphone held across the face.
    colour = _hsv_to_bgr(rng.uniform(0, 360), rng.uniform(0.3, 1.0), rng.uniform(0.2, 0.9))
    angle = math.radians(rng.uniform(0, 180))
    half = 1.3 * face_width * np.array([math.cos(angle), math.sin(angle)])
    return [(_segment_polygon(centre - half, centre + half, rng.uniform(0.15, 0.3) * face_width), colour)]


def _polygon_mask(shape_hw, polygons, offset_xy):
    mask = np.zeros(shape_hw, dtype=np.uint8)
    for polygon, _ in polygons:
        cv2.fillPoly(mask, [_fixed(polygon - offset_xy)], 255, cv2.LINE_AA, _SHIFT)
    return mask


def occluded_landmarks(face, occluder=None):
    """(98,) bool: landmarks covered by the occluder (clipped to the face region)."""
    occluder = face.occluder if occluder is None else occluder
    x0, y0, x1, y1 = face.region
    mask = _polygon_mask((y1 - y0, x1 - x0), occluder, np.array([x0, y0]))
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


def _drawn_points(landmarks, parts, look):
    """(N, 2) every outline point a face draws (landmarks, forehead, neck, hair)."""
    hair = [parts['hair_cap'], parts['fringe']] if look.has_hair else []
    return np.concatenate([landmarks, parts['forehead'], parts['neck']] + hair)


def _region_margin(pixels_per_unit):
    return REGION_MARGIN_UNITS * pixels_per_unit + 3


def place_face(shape, pose, look):
    """Project ``shape`` under ``pose``: a SyntheticFace with no effects.

    The face box is the landmark box (no detector jitter) and the region is
    not clipped to any image; see :func:`sample_faces`.
    """
    points = build_face_points(shape)
    projected = {name: project_points(value, pose) for name, value in points.items()}
    landmarks = projected.pop('landmarks')
    drawn = _drawn_points(landmarks, projected, look)
    margin = _region_margin(pose.pixels_per_unit)
    region = (int(math.floor(drawn[:, 0].min() - margin)), int(math.floor(drawn[:, 1].min() - margin)),
              int(math.ceil(drawn[:, 0].max() + margin)), int(math.ceil(drawn[:, 1].max() + margin)))
    face_box = (int(math.floor(landmarks[:, 0].min())), int(math.floor(landmarks[:, 1].min())),
                int(math.ceil(landmarks[:, 0].max())), int(math.ceil(landmarks[:, 1].max())))
    return SyntheticFace(shape=shape, pose=pose, look=look, landmarks=landmarks, parts=projected,
                         region=region, face_box=face_box)


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
    margin = _region_margin(pixels_per_unit) + 1
    if cell[axis] > 0:
        low = max(low, cell[axis] + margin - drawn_extent[0] * pixels_per_unit)
    if cell[axis + 2] < size:
        high = min(high, cell[axis + 2] - margin - drawn_extent[1] * pixels_per_unit)
    return low, high


def sample_faces(rng, num_faces, width, height):
    """``num_faces`` faces placed in disjoint cells of a width x height image.

    Every landmark lies inside the image; faces' regions never overlap. A
    face that cannot fit its cell even when shrunk is left out.
    """
    faces = []
    low_width, high_width = FACE_WIDTH_RANGE[num_faces]
    for cell in _image_cells(rng, num_faces, width, height):
        flags = sample_attribute_flags(rng)
        shape = sample_face_shape(rng, flags['expression'])
        yaw, pitch, roll = sample_head_angles(rng, flags['pose'])
        look = sample_face_look(rng, flags['makeup'])
        unit = place_face(shape, FacePose(yaw, pitch, roll, 1.0, (0.0, 0.0)), look)
        unit_drawn = _drawn_points(unit.landmarks, unit.parts, look)
        landmark_extent = np.stack([unit.landmarks.min(axis=0), unit.landmarks.max(axis=0)], axis=1)
        drawn_extent = np.stack([unit_drawn.min(axis=0), unit_drawn.max(axis=0)], axis=1)
        unit_width = landmark_extent[0, 1] - landmark_extent[0, 0]
        scale = rng.uniform(low_width, high_width) / unit_width
        origin = None
        while scale * unit_width >= MIN_FACE_WIDTH:   # shrink until the face fits its cell
            x_range = _origin_range(0, cell, width, scale, landmark_extent[0], drawn_extent[0])
            y_range = _origin_range(1, cell, height, scale, landmark_extent[1], drawn_extent[1])
            if x_range[0] <= x_range[1] and y_range[0] <= y_range[1]:
                origin = (float(rng.uniform(*x_range)), float(rng.uniform(*y_range)))
                break
            scale *= 0.92
        if origin is None:
            continue
        face = place_face(shape, FacePose(yaw, pitch, roll, scale, origin), look)
        face = replace(face, region=_clip_box(face.region, width, height))
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


def _clip_box(box, width, height):
    x0, y0, x1, y1 = box
    return (max(x0, 0), max(y0, 0), min(x1, width), min(y1, height))


# --------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------
def _fixed(points):
    return np.round(np.asarray(points, dtype=np.float64) * _ONE).astype(np.int32).reshape(-1, 1, 2)


def _fill(image, points, colour):
    cv2.fillPoly(image, [_fixed(points)], colour, cv2.LINE_AA, _SHIFT)


def _stroke(image, points, colour, thickness, closed=False):
    cv2.polylines(image, [_fixed(points)], closed, colour, max(1, int(round(thickness))), cv2.LINE_AA, _SHIFT)


def _scaled(colour, factor):
    return tuple(int(min(255, max(0, c * factor))) for c in colour)


def _blend(image, points, colour, alpha):
    """Fill a polygon with ``colour`` at opacity ``alpha`` (0-1)."""
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - 1
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 2
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    roi = image[y0:y1, x0:x1]
    mask = np.zeros(roi.shape[:2], dtype=np.uint8)
    cv2.fillPoly(mask, [_fixed(points - [x0, y0])], 255, cv2.LINE_AA, _SHIFT)
    weight = (mask.astype(np.float32) * (alpha / 255))[..., None]
    roi[:] = (roi * (1 - weight) + np.array(colour, dtype=np.float32) * weight).astype(np.uint8)


def _draw_eye(image, outline, pupil, look, unit):
    """Sclera polygon, iris and pupil clipped to it, then the lid line."""
    iris_radius = 0.55 * (outline[:, 1].max() - outline[:, 1].min())
    reach = np.concatenate([outline, [pupil - iris_radius, pupil + iris_radius]])
    x0, y0 = np.floor(reach.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(reach.max(axis=0)).astype(int) + 3
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        local_outline = outline - [x0, y0]
        local_pupil = _fixed(pupil - [x0, y0]).ravel()
        mask = np.zeros(roi.shape[:2], dtype=np.uint8)
        cv2.fillPoly(mask, [_fixed(local_outline)], 255, cv2.LINE_AA, _SHIFT)
        layer = roi.copy()
        cv2.fillPoly(layer, [_fixed(local_outline)], (225, 230, 235), cv2.LINE_AA, _SHIFT)
        cv2.circle(layer, tuple(int(v) for v in local_pupil), int(round(iris_radius * _ONE)),
                   look.iris_bgr, -1, cv2.LINE_AA, _SHIFT)
        cv2.circle(layer, tuple(int(v) for v in local_pupil), int(round(0.45 * iris_radius * _ONE)),
                   (15, 15, 15), -1, cv2.LINE_AA, _SHIFT)
        weight = (mask.astype(np.float32) / 255)[..., None]
        roi[:] = (layer * weight + roi * (1 - weight)).astype(np.uint8)
    lid_colour = (25, 25, 30) if look.eye_shadow_bgr is not None else _scaled(look.skin_bgr, 0.35)
    liner = 0.035 if look.eye_shadow_bgr is not None else 0.02
    _stroke(image, outline[:5], lid_colour, liner * unit)       # upper lid (and lashes)
    _stroke(image, np.concatenate([outline[4:], outline[:1]]), _scaled(look.skin_bgr, 0.55), 0.012 * unit)


def draw_face(image, face):
    """Draw ``face`` into ``image`` (H, W, 3) uint8, in place."""
    look, unit = face.look, face.pose.pixels_per_unit
    lm, parts = face.landmarks, face.parts
    skin = look.skin_bgr
    if look.has_hair:
        _fill(image, parts['hair_cap'], look.hair_bgr)
    _fill(image, parts['neck'], _scaled(skin, 0.72))
    _fill(image, np.concatenate([lm[:33], parts['forehead']]), skin)
    _stroke(image, lm[:33], _scaled(skin, 0.6), 0.015 * unit)   # a crisp jaw line over any background
    mole = parts['mole'][0]
    cv2.circle(image, tuple(int(v) for v in _fixed(mole).ravel()), int(round(0.035 * unit * _ONE)),
               (30, 45, 70), -1, cv2.LINE_AA, _SHIFT)
    if look.has_hair:
        _fill(image, parts['fringe'], look.hair_bgr)

    brow_colour = _scaled(look.hair_bgr, 0.8) if look.has_hair else _scaled(skin, 0.35)
    _fill(image, lm[33:42], brow_colour)
    _fill(image, lm[42:51], brow_colour)

    if look.eye_shadow_bgr is not None:
        for upper_lid, brow_lower in ((lm[60:65], lm[[41, 41, 40, 39, 38]]), (lm[68:73], lm[[50, 49, 48, 47, 47]])):
            raised = upper_lid + 0.55 * (brow_lower - upper_lid)
            _blend(image, np.concatenate([upper_lid, raised[::-1]]), look.eye_shadow_bgr, 0.7)
    _draw_eye(image, lm[60:68], lm[96], look, unit)
    _draw_eye(image, lm[68:76], lm[97], look, unit)

    nose_colour = _scaled(skin, 0.62)
    _stroke(image, lm[51:55], nose_colour, 0.025 * unit)
    _stroke(image, lm[55:60], nose_colour, 0.025 * unit)
    for nostril in (56, 58):
        centre = lm[nostril] + 0.35 * (lm[54] - lm[57])    # just above the base, towards the tip
        cv2.circle(image, tuple(int(v) for v in _fixed(centre).ravel()), int(round(0.03 * unit * _ONE)),
                   _scaled(skin, 0.4), -1, cv2.LINE_AA, _SHIFT)

    upper_lip = np.concatenate([lm[76:83], lm[[92, 91, 90, 89, 88]]])
    lower_lip = np.concatenate([lm[82:88], lm[[76, 88, 95, 94, 93, 92]]])
    _fill(image, upper_lip, _scaled(look.lip_bgr, 0.9))
    _fill(image, lower_lip, look.lip_bgr)
    inner_upper, inner_lower = lm[88:93], lm[[88, 95, 94, 93, 92]]
    if face.shape.mouth_open > 0.02:
        _fill(image, np.concatenate([inner_upper, inner_lower[::-1]]), (30, 25, 60))
        teeth = inner_upper + 0.35 * (inner_lower - inner_upper)
        _fill(image, np.concatenate([inner_upper, teeth[::-1]]), (215, 225, 230))
    _stroke(image, inner_upper, _scaled(look.lip_bgr, 0.45), 0.015 * unit)
    _stroke(image, inner_lower, _scaled(look.lip_bgr, 0.45), 0.015 * unit)
    _stroke(image, lm[76:88], _scaled(look.lip_bgr, 0.75), 0.012 * unit, closed=True)


def _effect_mask(face, image_shape):
    """(h, w) float32 in [0, 1] over the face region: 1 on the landmarks, fading out.

    The fade reaches 0 at region edges inside the image, so an effect never
    shows the region's rectangle or touches a neighbouring face.
    """
    x0, y0, x1, y1 = face.region
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.float32)
    local = face.landmarks - [x0, y0]
    centre = local.mean(axis=0)
    hull = cv2.convexHull(local.astype(np.float32)).reshape(-1, 2)
    cv2.fillPoly(mask, [_fixed(centre + 1.35 * (hull - centre))], 1.0, cv2.LINE_AA, _SHIFT)
    mask = cv2.GaussianBlur(mask, (0, 0), 0.05 * float(np.ptp(local[:, 0])) + 1)
    fade = max(2.0, EFFECT_FADE_UNITS * face.pose.pixels_per_unit)
    rows = np.arange(y1 - y0, dtype=np.float32)
    columns = np.arange(x1 - x0, dtype=np.float32)
    column_weight = np.ones_like(columns)
    row_weight = np.ones_like(rows)
    if x0 > 0:
        column_weight = np.minimum(column_weight, columns / fade)
    if x1 < image_shape[1]:
        column_weight = np.minimum(column_weight, (x1 - x0 - 1 - columns) / fade)
    if y0 > 0:
        row_weight = np.minimum(row_weight, rows / fade)
    if y1 < image_shape[0]:
        row_weight = np.minimum(row_weight, (y1 - y0 - 1 - rows) / fade)
    window = np.clip(row_weight, 0, 1)[:, None] * np.clip(column_weight, 0, 1)[None, :]
    return mask * window


def draw_occluder(image, face):
    """Draw the occluder polygons of ``face``, clipped to its region, in place."""
    x0, y0, x1, y1 = face.region
    roi = image[y0:y1, x0:x1]
    for polygon, colour in face.occluder:
        _fill(roi, polygon - [x0, y0], colour)
        _stroke(roi, polygon - [x0, y0], _scaled(colour, 0.6), 1, closed=True)


def apply_illumination(image, face):
    """Multiply the face region by the lighting gain ramp, in place."""
    x0, y0, x1, y1 = face.region
    change = face.illumination
    height, width = y1 - y0, x1 - x0
    a = math.radians(change.direction_deg)
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    low, high = face.landmarks.min(axis=0) - [x0, y0], face.landmarks.max(axis=0) - [x0, y0]
    along = (xs - 0.5 * (low[0] + high[0])) * math.cos(a) + (ys - 0.5 * (low[1] + high[1])) * math.sin(a)
    half_extent = 0.5 * (abs((high[0] - low[0]) * math.cos(a)) + abs((high[1] - low[1]) * math.sin(a))) + 1
    ramp = np.clip(0.5 + 0.5 * along / half_extent, 0, 1)
    gain = change.gain_start + (change.gain_end - change.gain_start) * ramp
    weight = _effect_mask(face, image.shape)
    gain = 1 + (gain - 1) * weight
    roi = image[y0:y1, x0:x1]
    roi[:] = np.clip(roi * gain[..., None], 0, 255).astype(np.uint8)


def apply_blur(image, face):
    """Defocus or motion-blur the face region, in place."""
    x0, y0, x1, y1 = face.region
    roi = image[y0:y1, x0:x1]
    blur = face.blur
    if blur.kind == 'gaussian':
        blurred = cv2.GaussianBlur(roi, (0, 0), blur.size_px)
    else:
        length = int(round(blur.size_px)) | 1
        kernel = np.zeros((length, length), dtype=np.float32)
        kernel[length // 2, :] = 1.0
        rotation = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), blur.angle_deg, 1.0)
        kernel = cv2.warpAffine(kernel, rotation, (length, length))
        blurred = cv2.filter2D(roi, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)
    weight = _effect_mask(face, image.shape)[..., None]
    roi[:] = (blurred * weight + roi * (1 - weight)).astype(np.uint8)


def draw_background(rng, height, width):
    """(H, W, 3) uint8 clutter: a colour gradient, blotches and random shapes."""
    # Built on a coarse grid (one cell per 32 pixels) and upsampled: cheap and smooth.
    grid_h, grid_w = height // 32 + 2, width // 32 + 2
    colours = rng.uniform(0, 255, (2, 3)).astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    xs = np.linspace(-0.5, 0.5, grid_w, dtype=np.float32)[None, :]
    ys = np.linspace(-0.5, 0.5, grid_h, dtype=np.float32)[:, None]
    ramp = np.clip(0.5 + xs * math.cos(a) + ys * math.sin(a), 0, 1)[..., None]
    coarse = colours[0] + (colours[1] - colours[0]) * ramp
    coarse += rng.uniform(0, 40) * rng.uniform(-1, 1, (grid_h, grid_w, 3)).astype(np.float32)
    coarse = np.clip(coarse, 0, 255).astype(np.uint8)
    image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(rng.integers(3, 16)):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = rng.integers(4)
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        size = rng.uniform(8, 0.4 * min(width, height))
        if kind == 0:
            cv2.circle(image, (int(x), int(y)), int(size / 2), colour, -1, cv2.LINE_AA)
        elif kind == 1:
            _fill(image, _ellipse_polygon((x, y), (size / 2, size / 3), rng.uniform(0, 180), 4), colour)
        elif kind == 2:
            end = (x + rng.uniform(-size, size), y + rng.uniform(-size, size))
            _stroke(image, np.array([(x, y), end]), colour, rng.uniform(1, 6))
        else:
            _fill(image, np.array([x, y]) + rng.uniform(-size / 2, size / 2, (int(rng.integers(3, 7)), 2)), colour)
    return image


def render_image(rng, height, width, faces):
    """(H, W, 3) uint8 BGR image of ``faces`` on a random background.

    ``rng`` only draws the background, the overall exposure and the sensor
    noise, so the same rng state with different faces gives the same scene.
    """
    image = draw_background(rng, height, width)
    exposure = rng.uniform(0.9, 1.1)   # mild, stays far from the illumination thresholds
    noise_amplitude = int(rng.integers(2, 8))  # uniform sensor noise, grey levels
    noise = rng.integers(-noise_amplitude, noise_amplitude + 1, (height, width, 3), dtype=np.int16)
    for face in faces:
        draw_face(image, face)
        if face.occluder:
            draw_occluder(image, face)
        if face.illumination is not None:
            apply_illumination(image, face)
        if face.blur is not None:
            apply_blur(image, face)
    noisy = cv2.convertScaleAbs(image, alpha=exposure).astype(np.int16)
    noisy += noise
    return np.clip(noisy, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------
# Data set writing
# --------------------------------------------------------------------------
def annotation_line(face, image_path):
    """One WFLW list line (no newline) for ``face`` in ``image_path`` (relative)."""
    numbers = ' '.join(f'{v:.6f}' for v in face.landmarks.ravel())
    box = ' '.join(str(int(v)) for v in face.face_box)
    flags = ' '.join(str(flag) for flag in attribute_flags(face))
    return f'{numbers} {box} {flags} {image_path}'


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f'make_synthetic_wflw: {name} must be an integer >= 1, got {value!r}')


def _prepare_out_dir(out_dir):
    """Create ``out_dir``; delete a previous synthetic set in it, never anything else."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f'make_synthetic_wflw: out_dir {out_dir} exists and is not a directory')
    ours = (out_dir / SUMMARY_FILE).is_file()
    for name in (IMAGE_DIR, 'WFLW_annotations'):
        if (out_dir / name).exists():
            if not ours:
                raise ValueError(
                    f'make_synthetic_wflw: {out_dir / name} exists but {out_dir} has no {SUMMARY_FILE}, '
                    'so it is not a synthetic set made here; refusing to overwrite it')
            shutil.rmtree(out_dir / name)
    (out_dir / LIST_DIR).mkdir(parents=True, exist_ok=True)
    for event_id, event in (SINGLE_FACE_EVENT, GROUP_EVENT):
        (out_dir / IMAGE_DIR / f'{event_id}--{event}').mkdir(parents=True, exist_ok=True)


def _write_split(rng, out_dir, split, num_faces, progress_bar):
    """Generate ``num_faces`` faces of ``split``; returns (list file, image count, flag counts)."""
    lines = []
    flag_counts = np.zeros(len(ATTRIBUTE_NAMES), dtype=int)
    image_index = 0
    counts, probabilities = zip(*FACES_PER_IMAGE_PROBABILITIES.items())
    while len(lines) < num_faces:
        wanted = min(int(rng.choice(counts, p=probabilities)), num_faces - len(lines))
        height, width = (int(v) for v in rng.integers(IMAGE_SIDE_RANGE[0], IMAGE_SIDE_RANGE[1] + 1, 2))
        faces = sample_faces(rng, wanted, width, height)
        if not faces:
            continue
        image = render_image(rng, height, width, faces)
        event_id, event = SINGLE_FACE_EVENT if len(faces) == 1 else GROUP_EVENT
        image_path = f'{event_id}--{event}/{event_id}_{event}_{split}_{image_index:06d}.jpg'
        target = out_dir / IMAGE_DIR / image_path
        if not cv2.imwrite(str(target), image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]):
            raise OSError(f'make_synthetic_wflw: could not write image {target}')
        for face in faces:
            lines.append(annotation_line(face, image_path))
            flag_counts += attribute_flags(face)
        image_index += 1
        progress_bar.update(len(faces))
    list_file = out_dir / LIST_DIR / f'list_98pt_rect_attr_{split}.txt'
    list_file.write_text('\n'.join(lines) + '\n')
    return list_file, image_index, dict(zip(ATTRIBUTE_NAMES, flag_counts.tolist()))


def make_synthetic_wflw(out_dir, num_train, num_test, seed=0, progress=True):
    """Write a synthetic data set in the official WFLW layout under ``out_dir``.

    Args:
        out_dir: folder to write into; a previous synthetic set there is
            replaced, other content of the folder is left alone.
        num_train, num_test: number of faces (list lines) per split, >= 1.
        seed: non-negative int; the same seed gives identical list files.
        progress: show a tqdm progress bar.

    Returns:
        dict with 'out_dir', 'image_dir', 'train_list', 'test_list' (paths),
        'num_faces' and 'num_images' ({split: int}), 'attribute_counts'
        ({split: {attribute: faces}}), 'seed' and 'seconds' (wall time).
    """
    _check_count('num_train', num_train)
    _check_count('num_test', num_test)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f'make_synthetic_wflw: seed must be a non-negative integer, got {seed!r}')
    out_dir = Path(out_dir)
    start = time.perf_counter()
    _prepare_out_dir(out_dir)
    summary_path = out_dir / SUMMARY_FILE
    summary_path.write_text(json.dumps(dict(complete=False, seed=int(seed)), indent=2) + '\n')

    split_rngs = dict(zip(SPLITS, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))))
    requested = dict(train=int(num_train), test=int(num_test))
    summary = dict(out_dir=str(out_dir), image_dir=str(out_dir / IMAGE_DIR), seed=int(seed),
                   num_faces={}, num_images={}, attribute_counts={})
    with tqdm(total=sum(requested.values()), desc='synthetic WFLW', unit='face', disable=not progress) as bar:
        for split in SPLITS:
            list_file, num_images, flag_counts = _write_split(split_rngs[split], out_dir, split,
                                                              requested[split], bar)
            summary[f'{split}_list'] = str(list_file)
            summary['num_faces'][split] = requested[split]
            summary['num_images'][split] = num_images
            summary['attribute_counts'][split] = flag_counts
    summary['seconds'] = round(time.perf_counter() - start, 3)
    summary_path.write_text(json.dumps(dict(summary, complete=True), indent=2) + '\n')
    return summary
