"""Head-pose error on faces with a known rotation: mean absolute error (degrees) of yaw, pitch, roll.

    python benchmarks/head_pose_accuracy.py [--noise-px 1.0] [--json OUT]

Poses: yaw -45..45 in steps of 15, pitch -20 / 0 / 20, roll -25 / 0 / 25
(63 poses; repeated ``--repeats`` times with new faces and noise). Landmark
noise: Gaussian, ``--noise-px`` pixels per point, faces about 130-140 px wide.
Three cases of :func:`mmpose_face.apis.head_pose.estimate_head_pose`:

- ``mean face, 68`` / ``mean face, 98``: OpenFace's mean 3D face projected at
  the given angles (pinhole 640 x 480, 700 mm away), estimated against
  itself (the 98-point layout through its 68 iBUG points);
- ``generator, its 3D face``: the synthetic generator's faces (random
  identities and expressions, :mod:`~mmpose_face.data_preparation.synthetic.posed_landmarks`)
  estimated against the generator's mean 3D face given as ``model_points``;
- ``generator, OpenFace face``: the same faces against OpenFace's human
  mean face (the default for 98 points): how far the drawn faces' geometry
  is from a human one (a frontal generator face reads as pitched down).

Landmarks come from the shapes, not from a landmark model: the figures are
the pose solver's, given landmarks of that noise.
"""
import argparse
import json
import os.path as osp
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

POSES = [(yaw, pitch, roll) for yaw in range(-45, 46, 15) for pitch in (-20, 0, 20) for roll in (-25, 0, 25)]


def mean_face_cases(rng, num_keypoints, noise_px):
    import cv2
    from mmpose_face.apis.head_pose import MEAN_FACE_68, camera_matrix, mean_face_model, rotation_from_angles
    image_size = (640, 480)
    cases = []
    indices, _ = mean_face_model(num_keypoints)
    for angles in POSES:
        rotation_vector = cv2.Rodrigues(rotation_from_angles(*angles))[0]
        projected, _ = cv2.projectPoints(MEAN_FACE_68, rotation_vector, np.array([20., -10., 700.]),
                                         camera_matrix(image_size), None)
        points = rng.uniform(0, 480, (num_keypoints, 2))
        points[indices] = projected.reshape(-1, 2) + rng.normal(0, noise_px, (68, 2))
        cases.append((angles, points, image_size))
    return cases


def mean_absolute_errors(cases, model_points=None) -> dict:
    from mmpose_face.apis.head_pose import estimate_head_pose
    errors = []
    for angles, points, image_size in cases:
        pose = estimate_head_pose(points, image_size, model_points=model_points)
        errors.append(np.subtract([pose['yaw'], pose['pitch'], pose['roll']], angles))
    absolute = np.abs(errors)
    return dict(zip(('yaw', 'pitch', 'roll'), absolute.mean(axis=0).round(2).tolist()),
                max=float(absolute.max().round(2)), faces=len(cases))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--noise-px', type=float, default=1.0)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--json')
    args = parser.parse_args()
    from mmpose_face.data_preparation.synthetic.face_shape_model import head_pose_model_points
    from mmpose_face.data_preparation.synthetic.posed_landmarks import posed_faces
    rng = np.random.default_rng(0)
    generator = [face for _ in range(args.repeats) for face in posed_faces(rng, POSES, noise_px=args.noise_px)]
    results = {
        'mean face, 68': mean_absolute_errors([c for _ in range(args.repeats)
                                               for c in mean_face_cases(rng, 68, args.noise_px)]),
        'mean face, 98': mean_absolute_errors([c for _ in range(args.repeats)
                                               for c in mean_face_cases(rng, 98, args.noise_px)]),
        'generator, its 3D face': mean_absolute_errors(generator, head_pose_model_points()),
        'generator, OpenFace face': mean_absolute_errors(generator),
    }
    print(f'mean absolute error (degrees), yaw within +-45, landmark noise {args.noise_px} px')
    for name, figures in results.items():
        print(f"  {name:26s} yaw {figures['yaw']:5.2f}  pitch {figures['pitch']:5.2f}  roll {figures['roll']:5.2f}"
              f"  (max {figures['max']:.1f}, {figures['faces']} faces)")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(noise_px=args.noise_px, results=results), f, indent=1)


if __name__ == '__main__':
    main()
