"""What the demo and the inferencer add to each frame's faces on video: tracking, smoothing, head pose, speed.

- :func:`video_tracker`: the :class:`~mmpose_face.apis.face_tracking.FaceTracker`
  of one video (a new one per video: no track or filter carries over);
  smoothing is on for video unless ``smooth=False``, never on still images.
- :func:`add_tracks_and_poses`: ``track_id`` and ``head_pose`` (yaw, pitch,
  roll in degrees, :mod:`~mmpose_face.apis.head_pose`) in each face's JSON;
  layouts without a mean 3D face (neither 68 nor 98 points) get no
  ``head_pose`` key.
- :func:`draw_head_poses`, :func:`draw_frame_rate` on the drawn frames;
  :class:`FrameRate` measures frames per second.
"""
import time

import cv2
import numpy as np

from mmpose_face.visualization.face_drawing import draw_pose_axes
from .face_tracking import DEFAULT_DETECT_EVERY, FaceTracker
from .head_pose import head_poses, pose_to_json, project_pose_axes
from .landmark_smoothing import DEFAULT_BETA, DEFAULT_MIN_CUTOFF


def video_tracker(detect, predict, smooth: bool = None, min_cutoff: float = DEFAULT_MIN_CUTOFF,
                  beta: float = DEFAULT_BETA, detect_every: int = DEFAULT_DETECT_EVERY) -> FaceTracker:
    """A tracker for one video; ``smooth=None`` means on (the video default)."""
    return FaceTracker(detect, predict, detect_every=detect_every, smooth=smooth is not False,
                       min_cutoff=min_cutoff, beta=beta)


def frame_interval(fps, source=None, frame_rate=None) -> float:
    """Seconds between two frames of a video at ``fps`` (25 when unknown); for a webcam
    (``source.kind == 'webcam'``) with a :class:`FrameRate`, the measured time between the
    last two frames, since a live camera delivers frames as fast as they are taken."""
    if source is not None and source.kind == 'webcam' and frame_rate is not None and frame_rate.last_interval:
        return frame_rate.last_interval
    return 1.0 / float(fps) if fps and fps > 0 else 1.0 / 25


def estimate_poses(keypoints: np.ndarray, image_bgr: np.ndarray) -> list:
    """One head pose dict per face of ``keypoints`` (N, K, 2) pixels, ``None`` each without a 3D model."""
    if len(keypoints) == 0:
        return []
    return head_poses(np.asarray(keypoints), (image_bgr.shape[1], image_bgr.shape[0]))


def add_tracks_and_poses(faces: list, track_ids=None, poses=None) -> list:
    """``faces`` (JSON dicts, one per face) with ``track_id`` (when tracked) and
    ``head_pose`` ``{'yaw', 'pitch', 'roll'}`` degrees (when the layout has a 3D model), in place."""
    for index, face in enumerate(faces):
        if track_ids is not None:
            face['track_id'] = int(track_ids[index])
        if poses is not None and poses[index] is not None:
            face['head_pose'] = pose_to_json(poses[index])
    return faces


def draw_head_poses(image_bgr: np.ndarray, poses: list, length_mm: float = 60.) -> np.ndarray:
    """Each face's head axes (x red, y green, z blue, out of the face) drawn on ``image_bgr`` in place."""
    image_size = (image_bgr.shape[1], image_bgr.shape[0])
    thickness = max(1, round(max(image_size) / 400))
    for pose in poses:
        if pose is not None and np.isfinite(pose['rotation_vector']).all():
            draw_pose_axes(image_bgr, project_pose_axes(pose, image_size, length_mm), thickness)
    return image_bgr


def draw_frame_rate(image_bgr: np.ndarray, fps: float) -> np.ndarray:
    """``'12.3 fps'`` written in the top-left corner of ``image_bgr``, in place."""
    scale = max(0.4, image_bgr.shape[0] / 600)
    origin = (int(8 * scale), int(24 * scale))
    for colour, width in (((0, 0, 0), 3), ((255, 255, 255), 1)):  # a dark outline keeps it readable
        cv2.putText(image_bgr, f'{fps:.1f} fps', origin, cv2.FONT_HERSHEY_SIMPLEX, scale * 0.6, colour,
                    max(1, int(width * scale)), cv2.LINE_AA)
    return image_bgr


class FrameRate:
    """Frames per second of the work done: ``tick()`` after each frame; ``fps`` over the
    last ``window`` frames, ``mean_fps`` since the first tick."""

    def __init__(self, window: int = 30):
        self.window, self.times = window, [time.perf_counter()]
        self.started, self.count = self.times[0], 0

    def tick(self) -> float:
        now = time.perf_counter()
        self.times = (self.times + [now])[-(self.window + 1):]
        self.count += 1
        return self.fps

    @property
    def fps(self) -> float:
        elapsed = self.times[-1] - self.times[0]
        return (len(self.times) - 1) / elapsed if elapsed > 0 else 0.

    @property
    def last_interval(self) -> float:
        """Seconds between the last two ticks (0 before the second)."""
        return self.times[-1] - self.times[-2] if len(self.times) > 1 and self.count > 1 else 0.

    @property
    def mean_fps(self) -> float:
        elapsed = self.times[-1] - self.started
        return self.count / elapsed if elapsed > 0 else 0.


def add_video_arguments(parser) -> None:
    """The demos' video options: ``--no-smooth``, ``--min-cutoff``, ``--beta``, ``--detect-every``, ``--draw-pose``."""
    group = parser.add_argument_group('video and webcam')
    group.add_argument('--smooth', dest='smooth', action='store_true', default=None,
                       help='smooth the landmarks of each tracked face over frames (the default for video)')
    group.add_argument('--no-smooth', dest='smooth', action='store_false', help='the raw landmarks of every frame')
    group.add_argument('--min-cutoff', type=float, default=DEFAULT_MIN_CUTOFF,
                       help='One-Euro filter: cutoff (Hz) of a still face; lower = smoother (default: %(default)s)')
    group.add_argument('--beta', type=float, default=DEFAULT_BETA,
                       help='One-Euro filter: how fast the cutoff rises with speed; higher = less lag on fast '
                            'moves (default: %(default)s)')
    group.add_argument('--detect-every', type=int, default=DEFAULT_DETECT_EVERY,
                       help='run the face detector every N frames (and when a face is lost); between, boxes '
                            'follow the landmarks (default: %(default)s)')
    group.add_argument('--draw-pose', action='store_true', help="draw each face's head pose axes")


def video_options(args) -> dict:
    """The keyword arguments of :func:`add_video_arguments`' options."""
    return dict(smooth=args.smooth, min_cutoff=args.min_cutoff, beta=args.beta, detect_every=args.detect_every,
                draw_pose=args.draw_pose)
