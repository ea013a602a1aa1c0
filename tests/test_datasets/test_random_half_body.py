"""RandomHalfBody: on faces (no upper/lower body points) the box stays and the coins are drawn as mmpose draws them.

Side by side with mmpose 1.3.2: tests/test_datasets/test_recipe_parts_match_mmpose.py (``half_body``).
"""
import numpy as np

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.datasets.transforms import RandomHalfBody


def face_results(num_visible=106):
    visible = np.zeros((1, 106), np.float32)
    visible[0, :num_visible] = 1
    metainfo = load_dataset_info('configs/_base_/datasets/lapa.py')
    return dict(keypoints=np.random.RandomState(0).uniform(0, 100, (1, 106, 2)).astype(np.float32),
                keypoints_visible=visible, upper_body_ids=metainfo['upper_body_ids'],
                lower_body_ids=metainfo['lower_body_ids'], bbox_center=np.array([[50., 50.]], np.float32),
                bbox_scale=np.array([[80., 90.]], np.float32))


def draws_used(transform, results):
    """How many numbers of numpy's global generator one call uses."""
    np.random.seed(0)
    transform.transform(results)
    after = np.random.rand()
    np.random.seed(0)
    for used in range(4):
        if np.random.rand() == after:
            return used
    raise AssertionError('more than 3 draws')


def test_a_face_keeps_its_box():
    assert face_results()['upper_body_ids'] == [] and face_results()['lower_body_ids'] == []
    np.random.seed(1)
    transform = RandomHalfBody(prob=1.0)
    for _ in range(5):
        results = transform.transform(face_results())
        np.testing.assert_array_equal(results['bbox_center'], [[50., 50.]])
        np.testing.assert_array_equal(results['bbox_scale'], [[80., 90.]])
        assert results['bbox_center'].dtype == np.float32


def test_coins_drawn_on_faces_as_mmpose():
    assert draws_used(RandomHalfBody(prob=1.0), face_results()) == 2  # prob coin, then the upper/lower coin
    assert draws_used(RandomHalfBody(prob=0.0), face_results()) == 1  # the prob coin fails
    assert draws_used(RandomHalfBody(), face_results(num_visible=8)) == 0  # under min_total_keypoints=9


def test_half_body_box_from_the_chosen_points():
    results = face_results()
    results['upper_body_ids'], results['lower_body_ids'] = [0, 1, 2], [3, 4, 5, 6]
    np.random.seed(0)
    out = RandomHalfBody(prob=1.0, upper_prioritized_prob=1.0, padding=2.0).transform(results)
    upper = results['keypoints'][0, [0, 1, 2]]
    np.testing.assert_allclose(out['bbox_center'][0], upper.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(out['bbox_scale'][0], (upper.max(axis=0) - upper.min(axis=0)) * 2.0, rtol=1e-6)
