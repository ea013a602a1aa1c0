"""The 98-point face model: a symmetric template in a 3D face frame, and its projection.

The face frame: x to the image right, y down, z towards the camera; one unit
is half the jaw width; the origin is the nose tip. Landmarks come out in
WFLW's 98-point order; the subject's right side (the image left of a frontal
face) is points 0-15, 33-41, 60-67, 96.
"""
import math

import numpy as np

from .face_description import FaceShape

NUM_KEYPOINTS = 98
CAMERA_DISTANCE = 7.0           # face units; weak perspective
CHEEK_CURVATURE = 0.45          # depth of the face surface: z = -c * x**2


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


def head_pose_model_points(shape=None) -> np.ndarray:
    """(98, 3) landmarks of ``shape`` (default: the mean shape), centred, z away from the camera: the
    3D face that :func:`mmpose_face.apis.head_pose.estimate_head_pose` takes as ``model_points``.

    :func:`project_points` is a pinhole of focal ``CAMERA_DISTANCE * pixels_per_unit``
    pixels centred on ``origin_xy``: an image of that width and height with the origin in its
    middle matches the camera :func:`~mmpose_face.apis.head_pose.camera_matrix` assumes.
    """
    landmarks = build_face_points(shape or FaceShape())['landmarks']
    return (landmarks - landmarks.mean(axis=0)) * np.array([1., 1., -1.])
