"""Head pose (yaw, pitch, roll in degrees) from 2D face landmarks.

``cv2.solvePnP`` of the landmarks against a mean 3D face: the 68-point
OpenFace / iBUG mean face (``MEAN_FACE_68``, the published
``model_points_68`` constants, millimetres) for the 68-point layouts
(``300w``, ``coco_wholebody_face``). The 98-point WFLW layout uses the same
model through the WFLW -> 68 correspondence of
:mod:`mmpose_face.data_preparation.landmark_layouts` (the 68 WFLW points that
are iBUG points; the others carry no 3D position). Other layouts need a
``model_points`` (K, 3) array.

Camera: a pinhole with focal length ``max(width, height)`` pixels and the
principal point at the image centre, no distortion (a phone or webcam field
of view of about 53 degrees).

Angles (degrees), of the head relative to the camera; a face looking into
the camera is (0, 0, 0). The rotation from the face model (x to the image
right, y down, z away from the camera) to the camera is
``R = Rz(roll) @ Ry(yaw) @ Rx(pitch)``: yaw > 0 turns the nose towards the
image right, pitch > 0 tilts the nose up, roll > 0 turns the face
clockwise in the image.
"""
import cv2
import numpy as np

from mmpose_face.data_preparation.landmark_layouts import LAYOUTS

# OpenFace's mean 3D face for the iBUG 68 points, (x, y, z) mm as published
# (x: image left -> right of a frontal face, y: top -> bottom, z: towards the viewer).
_OPENFACE_68 = np.array([
    [-73.393523, -29.801432, -47.667532], [-72.775014, -10.949766, -45.909403], [-70.533638, 7.929818, -44.84258],
    [-66.850058, 26.07428, -43.141114], [-59.790187, 42.56439, -38.635298], [-48.368973, 56.48108, -30.750622],
    [-34.121101, 67.246992, -18.456453], [-17.875411, 75.056892, -3.609035], [0.098749, 77.061286, 0.881698],
    [17.477031, 74.758448, -5.181201], [32.648966, 66.929021, -19.176563], [46.372358, 56.311389, -30.77057],
    [57.34348, 42.419126, -37.628629], [64.388482, 25.45588, -40.886309], [68.212038, 6.990805, -42.281449],
    [70.486405, -11.666193, -44.142567], [71.375822, -30.365191, -47.140426], [-61.119406, -49.361602, -14.254422],
    [-51.287588, -58.769795, -7.268147], [-37.8048, -61.996155, -0.442051], [-24.022754, -61.033399, 6.606501],
    [-11.635713, -56.686759, 11.967398], [12.056636, -57.391033, 12.051204], [25.106256, -61.902186, 7.315098],
    [38.338588, -62.777713, 1.022953], [51.191007, -59.302347, -5.349435], [60.053851, -50.190255, -11.615746],
    [0.65394, -42.19379, 13.380835], [0.804809, -30.993721, 21.150853], [0.992204, -19.944596, 29.284036],
    [1.226783, -8.414541, 36.94806], [-14.772472, 2.598255, 20.132003], [-7.180239, 4.751589, 23.536684],
    [0.55592, 6.5629, 25.944448], [8.272499, 4.661005, 23.695741], [15.214351, 2.643046, 20.858157],
    [-46.04729, -37.471411, -7.037989], [-37.674688, -42.73051, -3.021217], [-27.883856, -42.711517, -1.353629],
    [-19.648268, -36.754742, 0.111088], [-28.272965, -35.134493, 0.147273], [-38.082418, -34.919043, -1.476612],
    [19.265868, -37.032306, 0.665746], [27.894191, -43.342445, -0.24766], [37.437529, -43.110822, -1.696435],
    [45.170805, -38.086515, -4.894163], [38.196454, -35.532024, -0.282961], [28.764989, -35.484289, 1.172675],
    [-28.916267, 28.612716, 2.24031], [-17.533194, 22.172187, 15.934335], [-6.68459, 19.029051, 22.611355],
    [0.381001, 20.721118, 23.748437], [8.375443, 19.03546, 22.721995], [18.876618, 22.394109, 15.610679],
    [28.794412, 28.079924, 3.217393], [19.057574, 36.298248, 14.987997], [8.956375, 39.634575, 22.554245],
    [0.381549, 40.395647, 23.591626], [-7.428895, 39.836405, 22.406106], [-18.160634, 36.677899, 15.121907],
    [-24.37749, 28.677771, 4.785684], [-6.897633, 25.475976, 20.893742], [0.340663, 26.014269, 22.220479],
    [8.444722, 25.326198, 21.02552], [24.474473, 28.323008, 5.712776], [8.449166, 30.596216, 20.671489],
    [0.205322, 31.408738, 21.90367], [-7.198266, 30.844876, 20.328022]])
# In the camera convention (z away from the camera) and centred: identity rotation = a frontal face.
MEAN_FACE_68 = (_OPENFACE_68 - _OPENFACE_68.mean(axis=0)) * np.array([1., 1., -1.])


def mean_face_model(num_keypoints: int):
    """``(indices (M,), model points (M, 3) mm)``: which of the K landmarks have a 3D position, and where.

    68 points: all, the iBUG layout. 98 points (WFLW): the 68 WFLW points that
    are iBUG points (the ``'300w'`` correspondence of ``landmark_layouts``).
    """
    if num_keypoints == 68:
        return np.arange(68), MEAN_FACE_68
    if num_keypoints == 98:
        wflw_indices = LAYOUTS['300w']
        if not all(isinstance(index, (int, np.integer)) for index in wflw_indices):
            raise ValueError('the WFLW -> 68 correspondence has interpolated points; head pose needs plain ones')
        return np.asarray(wflw_indices), MEAN_FACE_68
    raise ValueError(f'head pose has a mean 3D face for 68 and 98 landmarks, not {num_keypoints}; '
                     'give model_points (K, 3)')


def camera_matrix(image_size) -> np.ndarray:
    """(3, 3) pinhole camera of an image ``(width, height)``: focal ``max(width, height)``, centre in the middle."""
    width, height = image_size
    focal = float(max(width, height))
    return np.array([[focal, 0, width / 2.], [0, focal, height / 2.], [0, 0, 1]])


def rotation_from_angles(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """(3, 3) ``Rz(roll) @ Ry(yaw) @ Rx(pitch)``, angles in degrees (module docstring)."""
    y, p, r = np.radians([yaw, pitch, roll])
    rx = np.array([[1, 0, 0], [0, np.cos(p), np.sin(p)], [0, -np.sin(p), np.cos(p)]])
    ry = np.array([[np.cos(y), 0, -np.sin(y)], [0, 1, 0], [np.sin(y), 0, np.cos(y)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ ry @ rx


def angles_from_rotation(rotation: np.ndarray):
    """``(yaw, pitch, roll)`` degrees of a rotation made by :func:`rotation_from_angles`."""
    yaw = np.degrees(np.arcsin(np.clip(rotation[2, 0], -1, 1)))
    pitch = np.degrees(np.arctan2(-rotation[2, 1], rotation[2, 2]))
    roll = np.degrees(np.arctan2(rotation[1, 0], rotation[0, 0]))
    return float(yaw), float(pitch), float(roll)


def estimate_head_pose(keypoints: np.ndarray, image_size, model_points: np.ndarray = None) -> dict:
    """Head pose of one face.

    Args:
        keypoints: (K, 2) landmarks in image pixels (68 or 98 points, or any K with ``model_points``).
        image_size: ``(width, height)`` of the image (pixels), for the camera.
        model_points: (K, 3) 3D face (mm, camera convention) for other layouts.

    Returns:
        ``{'yaw', 'pitch', 'roll'}`` degrees, plus ``'rotation_vector'`` (3,)
        and ``'translation'`` (3,) mm of the face model in camera coordinates.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64).reshape(-1, 2)
    if model_points is None:
        indices, model_points = mean_face_model(len(keypoints))
    else:
        model_points = np.asarray(model_points, dtype=np.float64).reshape(-1, 3)
        if len(model_points) != len(keypoints):
            raise ValueError(f'model_points has {len(model_points)} points, the landmarks {len(keypoints)}')
        indices = np.arange(len(keypoints))
    image_points = keypoints[indices]
    camera = camera_matrix(image_size)
    # a first guess from EPnP, refined by Levenberg-Marquardt
    ok, rotation_vector, translation = cv2.solvePnP(model_points, image_points, camera, None,
                                                    flags=cv2.SOLVEPNP_EPNP)
    if ok:
        ok, rotation_vector, translation = cv2.solvePnP(model_points, image_points, camera, None, rotation_vector,
                                                        translation, useExtrinsicGuess=True,
                                                        flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok:
        return dict(yaw=float('nan'), pitch=float('nan'), roll=float('nan'),
                    rotation_vector=[float('nan')] * 3, translation=[float('nan')] * 3)
    yaw, pitch, roll = angles_from_rotation(cv2.Rodrigues(rotation_vector)[0])
    return dict(yaw=yaw, pitch=pitch, roll=roll, rotation_vector=rotation_vector.ravel().tolist(),
                translation=translation.ravel().tolist())


def project_pose_axes(pose: dict, image_size, length: float = 60.) -> np.ndarray:
    """(4, 2) image pixels of the face model's origin and the tips of its x, y, z axes (``length`` mm)."""
    points = np.array([[0, 0, 0], [length, 0, 0], [0, length, 0], [0, 0, -length]], np.float64)
    projected, _ = cv2.projectPoints(points, np.asarray(pose['rotation_vector'], np.float64),
                                     np.asarray(pose['translation'], np.float64), camera_matrix(image_size), None)
    return projected.reshape(4, 2)


def head_poses(keypoints: np.ndarray, image_size) -> list:
    """One :func:`estimate_head_pose` per face of ``keypoints`` (N, K, 2); ``[None] * N`` for a
    layout without a mean 3D face (neither 68 nor 98 points)."""
    keypoints = np.asarray(keypoints)
    if keypoints.ndim != 3 or keypoints.shape[1] not in (68, 98):
        return [None] * len(keypoints)
    return [estimate_head_pose(points, image_size) for points in keypoints]


def pose_to_json(pose: dict):
    """``{'yaw', 'pitch', 'roll'}`` degrees rounded to 0.01, or ``None``."""
    return None if pose is None else {name: round(pose[name], 2) for name in ('yaw', 'pitch', 'roll')}
