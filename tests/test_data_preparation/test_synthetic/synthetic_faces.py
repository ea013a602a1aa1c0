"""What the synthetic-face tests share: a clean frontal face placed in an image, its rendering, its hull."""
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from mmpose_face.data_preparation.synthetic import face_description as description
from mmpose_face.data_preparation.synthetic import face_placement as placement
from mmpose_face.data_preparation.synthetic import face_rendering as rendering

REPO_ROOT = Path(__file__).resolve().parents[3]


def clean_face(shape=None, look=None, yaw=0.0, width=300, height=300):
    """A frontal face of ~160 px, no effects, in the middle of a width x height image."""
    pose = description.FacePose(yaw_deg=yaw, pixels_per_unit=80.0, origin_xy=(width / 2, height / 2 - 10))
    face = placement.place_face(shape or description.FaceShape(), pose, look or description.FaceLook())
    return replace(face, region=(0, 0, width, height))


def render(faces, seed=0, width=300, height=300):
    return rendering.render_image(np.random.default_rng(seed), height, width, faces)


def hull_mask(face, shape_hw):
    mask = np.zeros(shape_hw, dtype=np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(face.landmarks.astype(np.int32)), 1)
    return mask.astype(bool)
