"""Faces drawn on BGR photographs, the same way by every inference entry point:
boxes, points joined along the data set's face contours, points coloured by score."""
import itertools
import os

import numpy as np

from .pose_local_visualizer import PoseLocalVisualizer

_instance_numbers = itertools.count()


def face_visualizer(dataset_meta: dict, draw_bbox: bool = True, radius: float = None,
                    line_width: int = None) -> PoseLocalVisualizer:
    """A :class:`PoseLocalVisualizer` that joins the points along ``dataset_meta``'s
    contours; ``radius`` / ``line_width`` ``None`` = sized by the face."""
    visualizer = PoseLocalVisualizer(name=f'face_drawing_{os.getpid()}_{next(_instance_numbers)}',
                                     radius=radius, line_width=line_width, draw_bbox=draw_bbox)
    visualizer.set_dataset_meta(dataset_meta)
    return visualizer


def draw_faces(visualizer: PoseLocalVisualizer, image_bgr: np.ndarray, boxes, keypoints,
               keypoint_scores=None) -> np.ndarray:
    """A copy of ``image_bgr`` (H, W, 3) with each face: ``boxes`` (N, 4) xyxy pixels,
    ``keypoints`` (N, K, 2) pixels, ``keypoint_scores`` (N, K) or ``None``."""
    rgb = np.ascontiguousarray(image_bgr[..., ::-1])  # the visualizer's colours are RGB
    for index, (box, points) in enumerate(zip(boxes, keypoints)):
        visualizer.draw_face(rgb, points, visualizer.pred_color, bbox=box,
                             scores=None if keypoint_scores is None else keypoint_scores[index])
    return np.ascontiguousarray(rgb[..., ::-1])


def draw_pose_axes(image_bgr: np.ndarray, axes_points: np.ndarray, thickness: int = 2) -> np.ndarray:
    """Draw a head's axes in place: ``axes_points`` (4, 2) image pixels of its origin and the
    tips of x (red), y (green) and z (blue, out of the face); returns ``image_bgr``."""
    import cv2
    origin = tuple(int(round(v)) for v in axes_points[0])
    for tip, colour in zip(axes_points[1:], ((0, 0, 255), (0, 255, 0), (255, 0, 0))):
        if np.isfinite(tip).all():
            cv2.arrowedLine(image_bgr, origin, tuple(int(round(v)) for v in tip), colour, thickness, cv2.LINE_AA,
                            tipLength=0.15)
    return image_bgr
