"""WFLW's six attribute flags, computed from what a synthetic face draws.

The thresholds stand for what WFLW's annotators judged by eye; each flag is
sampled independently per face with :data:`ATTRIBUTE_PROBABILITIES` and, when
0, its condition is not drawn.
"""
import colorsys

ATTRIBUTE_NAMES = ('pose', 'expression', 'illumination', 'makeup',
                   'occlusion', 'blur')
# Chance that a face shows each attribute; sampled independently per face.
ATTRIBUTE_PROBABILITIES = dict(pose=0.2, expression=0.2, illumination=0.2,
                               makeup=0.15, occlusion=0.2, blur=0.15)


# Thresholds of the attribute flags (what WFLW's annotators judged by eye).
POSE_THRESHOLD_DEG = 30.0       # |yaw| or |roll| above this: large pose
WIDE_OPEN_MOUTH = 0.10          # lip gap, face units: exaggerated expression
STRONG_SMILE = 0.08             # mouth-corner lift, face units
DARK_GAIN = 0.5                 # lighting gain below this: dark
OVEREXPOSED_GAIN = 1.6          # lighting gain above this: over-exposed
MAKEUP_LIP_SATURATION = 0.6     # HSV saturation of lip colour above: lipstick
MIN_OCCLUDED_LANDMARKS = 8      # an occluder must hide at least this many


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
