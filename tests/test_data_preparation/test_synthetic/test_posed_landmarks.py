"""The generator's faces at given angles (``synthetic/posed_landmarks.py``): one face per pose, its
angles kept, the landmarks in the image, the rotation visible in them."""
import numpy as np

from mmpose_face.data_preparation.synthetic.posed_landmarks import posed_faces


def test_one_face_per_pose_with_its_angles_inside_the_image():
    poses = [(0, 0, 0), (30, 0, 0), (-30, 10, 5)]
    faces = posed_faces(np.random.default_rng(0), poses, noise_px=0.0)
    assert [angles for angles, _, _ in faces] == [tuple(p) for p in poses]
    for _, points, (width, height) in faces:
        assert points.shape == (98, 2)
        assert np.all(points >= 0) and np.all(points[:, 0] < width) and np.all(points[:, 1] < height)


def test_yaw_moves_the_nose_tip_sideways_and_roll_tilts_the_eye_line():
    rng = np.random.default_rng(1)
    (_, left_turn, _), (_, right_turn, _) = posed_faces(rng, [(-30, 0, 0), (30, 0, 0)], noise_px=0.0)
    nose_tip, face_centre = 54, slice(0, 33)   # WFLW: 54 is the nose tip, 0-32 the contour
    offsets = [points[nose_tip, 0] - points[face_centre, 0].mean() for points in (left_turn, right_turn)]
    assert np.sign(offsets[0]) == -np.sign(offsets[1]) and min(abs(o) for o in offsets) > 1.0
    (_, rolled, _), = posed_faces(np.random.default_rng(2), [(0, 0, 20)], noise_px=0.0)
    eye_line = rolled[72] - rolled[60]                                # WFLW: outer eye corners 60, 72
    assert abs(np.degrees(np.arctan2(eye_line[1], eye_line[0]))) > 10


def test_noise_is_added_at_the_given_scale():
    clean = posed_faces(np.random.default_rng(3), [(10, 5, 0)], noise_px=0.0)[0][1]
    noisy = posed_faces(np.random.default_rng(3), [(10, 5, 0)], noise_px=2.0)[0][1]
    assert 1.0 < np.std(noisy - clean) < 3.0
