"""What one synthetic face is: identity, pose, look, effects, and the placed result.

Frozen dataclasses only; :mod:`.face_shape_model` turns a :class:`FaceShape`
into points, :mod:`.face_placement` a shape + pose + look into a
:class:`SyntheticFace`.
"""
from dataclasses import dataclass

import numpy as np

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
