"""PoseLocalVisualizer: WFLW contours, colours of ground truth and prediction, output files."""
import json

import cv2
import numpy as np
import pytest
from mmengine.structures import InstanceData

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.registry import VISUALIZERS
from mmpose_face.structures import PoseDataSample
from mmpose_face.visualization import PoseLocalVisualizer, contour_links

FOOTBALL = 'tests/data/36_Football_americanfootball_ball_36_415.jpg'
WFLW_META = load_dataset_info('configs/_base_/datasets/wflw.py')


def football_face():
    """(98, 2) annotated points of the face in the football photo."""
    with open('tests/data/test_wflw.json') as f:
        coco = json.load(f)
    ann = next(a for a in coco['annotations'] if a['image_id'] == 2)
    return np.asarray(ann['keypoints'], np.float64).reshape(98, 3)[:, :2]


def make_visualizer(name, **kwargs):
    return PoseLocalVisualizer(name=f'{name}_{np.random.randint(1 << 30)}', **kwargs)


def test_wflw_contours():
    links = contour_links(WFLW_META['contours'])
    # jaw 32 segments; closed brows 9 + 9; nose 3 + 4; closed eyes 8 + 8; closed lips 12 + 8
    assert len(links) == 32 + 18 + 7 + 16 + 20
    assert (41, 33) in links and (50, 42) in links and (67, 60) in links and (95, 88) in links
    assert (32, 0) not in links and (54, 51) not in links and (54, 55) not in links
    linked = {i for link in links for i in link}
    assert linked == set(range(96)), 'every point but the pupils is on a contour'


def test_registered_and_builds_from_config():
    visualizer = VISUALIZERS.build(dict(type='PoseLocalVisualizer', name='built_from_config', radius=3))
    assert isinstance(visualizer, PoseLocalVisualizer) and visualizer.radius == 3


def test_ground_truth_and_prediction_in_their_colours(tmp_path):
    image = np.full((661, 1024, 3), 128, np.uint8)
    gt = football_face()
    pred = gt + [25., 0.]
    sample = PoseDataSample()
    sample.gt_instances = InstanceData(keypoints=gt[None], keypoints_visible=np.ones((1, 98)),
                                       bboxes=np.array([[420., 100., 545., 225.]]))
    sample.pred_instances = InstanceData(keypoints=pred[None])
    visualizer = make_visualizer('colours', radius=3, line_width=1)
    out_file = tmp_path / 'sub' / 'face.png'
    drawn = visualizer.add_datasample('face', image, sample, out_file=str(out_file))

    written = cv2.imread(str(out_file))[..., ::-1]
    np.testing.assert_array_equal(written, drawn)
    pupil = 96  # a point on no contour
    gx, gy = np.round(gt[pupil]).astype(int)
    px, py = np.round(pred[pupil]).astype(int)
    np.testing.assert_array_equal(drawn[gy, gx], visualizer.gt_color)
    np.testing.assert_array_equal(drawn[py, px], visualizer.pred_color)
    edge = drawn[150, 420].astype(int)  # left edge of the box, antialiased
    assert np.abs(edge - visualizer.bbox_color).max() < 30
    np.testing.assert_array_equal(drawn[5, 5], [128, 128, 128])
    np.testing.assert_array_equal(image, 128)  # the input image is not drawn on

    only_pred = visualizer.add_datasample('face', image, sample, draw_gt=False, out_file=str(out_file))
    np.testing.assert_array_equal(only_pred[gy, gx], [128, 128, 128])


def test_contours_and_invisible_points():
    face = (football_face() - football_face().min(axis=0)) * 4 + 20  # enlarged: points ~30 px apart
    image = np.zeros((400, 400, 3), np.uint8)
    links = contour_links(WFLW_META['contours'])
    i, j = max(links, key=lambda link: np.linalg.norm(face[link[0]] - face[link[1]]))
    middle = np.round((face[i] + face[j]) / 2).astype(int)  # on a line, far from points
    lines = make_visualizer('lines', radius=1, line_width=1)
    assert lines.draw_face(image.copy(), face, (255, 0, 0))[middle[1], middle[0], 0] == 0  # no data set: points
    lines.set_dataset_meta(WFLW_META)  # the data set's contours
    with_lines = lines.draw_face(image.copy(), face, (255, 0, 0))
    without = make_visualizer('nolines', radius=1, draw_contours=False).draw_face(image.copy(), face, (255, 0, 0))
    assert with_lines[middle[1], middle[0], 0] > 0 and without[middle[1], middle[0], 0] == 0
    visible = np.ones(98)
    visible[96] = 0
    points_only = make_visualizer('hidden', radius=2, draw_contours=False)
    x, y = np.round(face[96]).astype(int)
    assert points_only.draw_face(image.copy(), face, (255, 0, 0))[y, x, 0] == 255
    assert points_only.draw_face(image.copy(), face, (255, 0, 0), visible=visible)[y, x].sum() == 0


def test_vis_backend_receives_the_image(tmp_path):
    visualizer = make_visualizer('backend', vis_backends=[dict(type='LocalVisBackend')], save_dir=str(tmp_path))
    sample = PoseDataSample()
    sample.pred_instances = InstanceData(keypoints=football_face()[None])
    image = cv2.imread(FOOTBALL)[..., ::-1]
    visualizer.add_datasample('val_face', image, sample, step=7)
    saved = tmp_path / 'vis_data' / 'vis_image' / 'val_face_7.png'
    assert saved.is_file() and cv2.imread(str(saved)).shape == image.shape
    np.testing.assert_array_equal(visualizer.get_image().shape, image.shape)


def test_unwritable_out_file(tmp_path):
    visualizer = make_visualizer('unwritable')
    with pytest.raises(OSError, match='face.unknownext: cannot write image'):
        visualizer.add_datasample('x', np.zeros((8, 8, 3), np.uint8), None,
                                  out_file=str(tmp_path / 'face.unknownext'))


def test_visualizer_colours_points_by_score_and_hides_none():
    from mmpose_face.visualization import PoseLocalVisualizer
    visualizer = PoseLocalVisualizer(name='regression_family_scores', radius=3, draw_contours=False,
                                     draw_bbox=False)
    image = np.zeros((40, 80, 3), np.uint8)
    pred = InstanceData(keypoints=np.array([[[10., 20.], [40., 20.], [70., 20.]]]),
                        keypoint_scores=np.array([[1.0, 0.5, 0.0]], np.float32))
    pred.keypoints_visible = pred.keypoint_scores  # as the estimator sets it
    drawn = visualizer.draw_instances(image.copy(), pred, visualizer.pred_color)
    red, low = np.array(visualizer.pred_color), np.array(visualizer.low_score_color)
    assert drawn[20, 10].tolist() == red.tolist()
    assert np.abs(drawn[20, 40].astype(int) - np.round((red + low) / 2)).max() <= 1
    assert drawn[20, 70].tolist() == low.tolist()  # a score of 0 is drawn, in the low colour
