"""Head pose against known rotations: the mean 3D face projected by a pinhole camera at given
yaw / pitch / roll, plus landmark noise, for the 68- and the 98-point layouts; and the synthetic
generator's faces (random identities and expressions) at given angles, with its mean 3D face."""
import cv2
import numpy as np
import pytest

from mmpose_face.apis.head_pose import (MEAN_FACE_68, camera_matrix, estimate_head_pose, head_poses,
                                        mean_face_model, project_pose_axes, rotation_from_angles)
from mmpose_face.data_preparation.synthetic.face_shape_model import head_pose_model_points
from mmpose_face.data_preparation.synthetic.posed_landmarks import posed_faces

IMAGE_SIZE = (640, 480)
POSES = [(yaw, pitch, roll) for yaw in range(-45, 46, 15) for pitch in (-20, 0, 20) for roll in (-25, 0, 25)]


def render(yaw, pitch, roll, num_keypoints, rng, noise_px=1.0):
    """(K, 2) image points of the mean face at 700 mm (a face of about 130 px), 1 px noise; the
    98-point layout's points without a 3D position get random positions (they must be ignored)."""
    rotation_vector = cv2.Rodrigues(rotation_from_angles(yaw, pitch, roll))[0]
    projected, _ = cv2.projectPoints(MEAN_FACE_68, rotation_vector, np.array([20., -10., 700.]),
                                     camera_matrix(IMAGE_SIZE), None)
    indices, _ = mean_face_model(num_keypoints)
    points = rng.uniform(0, 480, (num_keypoints, 2))
    points[indices] = projected.reshape(-1, 2) + rng.normal(0, noise_px, (68, 2))
    return points


@pytest.mark.parametrize('num_keypoints', [68, 98])
def test_mean_absolute_error_within_5_degrees_up_to_45_yaw(num_keypoints):
    rng = np.random.default_rng(0)
    errors = []
    for yaw, pitch, roll in POSES:
        pose = estimate_head_pose(render(yaw, pitch, roll, num_keypoints, rng), IMAGE_SIZE)
        errors.append([pose['yaw'] - yaw, pose['pitch'] - pitch, pose['roll'] - roll])
    mean_absolute_error = np.abs(errors).mean(axis=0)
    assert (mean_absolute_error <= 5).all(), mean_absolute_error
    assert np.abs(errors).max() < 15


def test_signs_and_the_drawn_axes():
    rng = np.random.default_rng(0)
    frontal = render(0, 0, 0, 68, rng, noise_px=0)
    turned = render(30, 0, 0, 68, rng, noise_px=0)
    assert turned[30, 0] > frontal[30, 0], 'yaw > 0: the nose tip moves to the image right'
    pose = estimate_head_pose(turned, IMAGE_SIZE)
    assert abs(pose['yaw'] - 30) < 0.5 and abs(pose['pitch']) < 0.5 and abs(pose['roll']) < 0.5
    axes = project_pose_axes(estimate_head_pose(frontal, IMAGE_SIZE), IMAGE_SIZE)
    assert axes[1, 0] > axes[0, 0] and axes[2, 1] > axes[0, 1], 'x to the right, y down for a frontal face'


def test_other_layouts_have_no_pose_unless_given_a_model():
    assert head_poses(np.zeros((2, 106, 2)), IMAGE_SIZE) == [None, None]
    with pytest.raises(ValueError, match='not 106'):
        estimate_head_pose(np.zeros((106, 2)), IMAGE_SIZE)


def test_the_generators_faces_within_5_degrees_with_its_mean_3d_face():
    model_points = head_pose_model_points()  # the mean face; each drawn face has its own shape
    errors = []
    for angles, points, image_size in posed_faces(np.random.default_rng(0), POSES):
        pose = estimate_head_pose(points, image_size, model_points=model_points)
        errors.append(np.subtract([pose['yaw'], pose['pitch'], pose['roll']], angles))
    mean_absolute_error = np.abs(errors).mean(axis=0)
    assert (mean_absolute_error <= 5).all(), mean_absolute_error
