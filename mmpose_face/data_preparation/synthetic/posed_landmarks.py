"""The generator's faces at given yaw / pitch / roll: landmarks with a known head rotation.

For checking head pose (:mod:`mmpose_face.apis.head_pose`): each face is a
random identity and expression, drawn as ``make demo``'s data set draws
them, projected by the generator's own camera at the given angles, with
Gaussian landmark noise. The camera is a pinhole of focal
``CAMERA_DISTANCE * pixels_per_unit`` pixels centred in an image of that
width and height, the camera :func:`~mmpose_face.apis.head_pose.camera_matrix`
assumes for that image.
"""

from .face_description import FacePose
from .face_sampling import sample_attribute_flags, sample_face_shape
from .face_shape_model import CAMERA_DISTANCE, build_face_points, project_points


def posed_faces(rng, poses, pixels_per_unit: float = 60., noise_px: float = 1.0) -> list:
    """``[(angles (yaw, pitch, roll) degrees, landmarks (98, 2) pixels, image size (w, h))]``, one per pose."""
    size = CAMERA_DISTANCE * pixels_per_unit
    faces = []
    for angles in poses:
        shape = sample_face_shape(rng, sample_attribute_flags(rng)['expression'])
        points = project_points(build_face_points(shape)['landmarks'],
                                FacePose(*angles, pixels_per_unit, (size / 2, size / 2)))
        faces.append((tuple(angles), points + rng.normal(0, noise_px, points.shape), (size, size)))
    return faces
