"""Faces on BGR photographs: boxes, points joined along the contours, colours by score."""
import numpy as np

from mmpose_face.visualization import draw_faces, face_visualizer


def test_points_are_joined_along_the_data_sets_contours_in_bgr():
    meta = dict(contours=[(0, 2, False)])  # one open line through three points
    image = np.zeros((40, 80, 3), np.uint8)
    keypoints = np.array([[[10., 20.], [40., 20.], [70., 20.]]])
    visualizer = face_visualizer(meta, draw_bbox=False, radius=2, line_width=3)
    drawn = draw_faces(visualizer, image, np.array([[0, 0, 80, 40]]), keypoints)
    assert (image == 0).all(), 'the input is not drawn on'
    red_bgr = list(visualizer.pred_color[::-1])
    assert drawn[20, 25].tolist() == red_bgr, 'a pixel between two points: on the contour line'
    assert drawn[20, 10].tolist() == red_bgr and drawn[5, 25].tolist() == [0, 0, 0]
    low = draw_faces(visualizer, image, np.zeros((1, 4)), keypoints, np.array([[0., 1., 1.]]))
    assert low[20, 10].tolist() == list(visualizer.low_score_color[::-1])  # score 0: the low-score colour
