"""The NME metric against numbers worked out by hand.

Ground-truth faces have their outer eye corners (points 60 and 72) 60 px
apart, so a prediction off by (3, 4) px at every point has NME 5 / 60.
"""
import io
import json
import logging
import re
from types import SimpleNamespace

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData

from mmpose_face.datasets.dataset_info import load_dataset_info
from mmpose_face.evaluation import NME
from mmpose_face.registry import METRICS
from mmpose_face.structures import PoseDataSample

K = 98
INTER_OCULAR = 60.0
SUBSETS = ('pose', 'expression', 'illumination', 'makeup', 'occlusion', 'blur')
WFLW_META = load_dataset_info('configs/_base_/datasets/wflw.py')


@pytest.fixture
def mmengine_log():
    """What the current MMLogger writes during the test (its console handler holds an earlier stdout)."""
    logger = MMLogger.get_current_instance()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def ground_truth(seed=0):
    """(K, 2) random points, with points 60 and 72 exactly 60 px apart."""
    gt = np.random.RandomState(seed).uniform(100, 200, size=(K, 2))
    gt[60], gt[72] = [120.0, 150.0], [120.0 + INTER_OCULAR, 150.0]
    return gt


def face(face_id, offset, attributes=None, seed=0, visible=None, center=(150, 150), scale=(120, 120),
         ann_file='faces.json', img_path=None):
    """A predicted face as the model hands it to the metric (``to_dict`` of a PoseDataSample)."""
    gt = ground_truth(seed)
    sample = PoseDataSample(metainfo=dict(
        id=face_id, img_id=face_id // 10, img_path=img_path or f'img_{face_id}.jpg', attributes=attributes,
        ann_file=ann_file,
        input_center=np.array(center, np.float32), input_scale=np.array(scale, np.float32)))
    sample.gt_instances = InstanceData(keypoints=gt[None].astype(np.float32),
                                       keypoints_visible=(np.ones((1, K)) if visible is None else visible[None]))
    sample.pred_instances = InstanceData(keypoints=(gt + offset)[None].astype(np.float32))
    return sample.to_dict()


def flags(*names):
    return {subset: int(subset in names) for subset in SUBSETS}


def evaluate(faces, dataset_meta=WFLW_META, **kwargs):
    kwargs.setdefault('norm_mode', 'keypoint_distance')
    metric = METRICS.build(dict(type='NME', **kwargs))
    metric.dataset_meta = dataset_meta
    metric.process({}, faces)
    return metric.evaluate(len(faces))


def test_nme_is_the_mean_point_error_over_the_inter_ocular_distance():
    metrics = evaluate([face(1, [3.0, 4.0]), face(2, [6.0, -8.0], seed=1)])
    assert metrics['NME'] == pytest.approx((5 / 60 + 10 / 60) / 2, rel=1e-5)


def test_nme_pools_points_so_invisible_points_do_not_count():
    visible = np.ones(K)
    visible[:49] = 0
    offsets = np.zeros((K, 2))
    offsets[:49] = [300.0, 0.0]   # wildly wrong, but not visible
    offsets[49:] = [0.0, 6.0]     # 6 / 60 = 0.1
    metrics = evaluate([face(1, offsets, visible=visible)])
    assert metrics['NME'] == pytest.approx(0.1, rel=1e-5)
    # pooled over points, not averaged over faces: 49 points at 0.1 and 98 at 0.2
    metrics = evaluate([face(1, offsets, visible=visible), face(2, [0.0, 12.0], seed=1)])
    assert metrics['NME'] == pytest.approx((49 * 0.1 + 98 * 0.2) / 147, rel=1e-5)


def test_points_60_and_72_normalise_by_default_and_keypoint_indices_override():
    metrics = evaluate([face(1, [3.0, 4.0])], keypoint_indices=[0, 1])
    gt = ground_truth()
    assert metrics['NME'] == pytest.approx(5 / np.linalg.norm(gt[0] - gt[1]), rel=1e-5)


def test_failure_rate_and_area_under_the_curve_by_hand():
    # per-face NMEs: 0.02, 0.05, 0.08, 0.15
    faces = [face(i, [0.0, 60.0 * e], seed=i) for i, e in enumerate([0.02, 0.05, 0.08, 0.15])]
    metrics = evaluate(faces, failure_rate_and_auc=True)
    assert metrics['FR@0.1'] == pytest.approx(0.25)  # one face of four above 0.1
    # AUC: each face adds (0.1 - e) / 0.1 for e < 0.1, averaged over all four faces
    assert metrics['AUC@0.1'] == pytest.approx((0.8 + 0.5 + 0.2 + 0.0) / 4, rel=1e-4)
    assert metrics['NME'] == pytest.approx(0.075, rel=1e-5)


def test_threshold_is_configurable_and_named_in_the_keys():
    faces = [face(i, [0.0, 60.0 * e], seed=i) for i, e in enumerate([0.02, 0.05, 0.08, 0.15])]
    metrics = evaluate(faces, threshold=0.06, failure_rate_and_auc=True)
    assert metrics['FR@0.06'] == pytest.approx(0.5)
    assert metrics['AUC@0.06'] == pytest.approx((0.04 + 0.01) / 0.06 / 4, rel=1e-4)


def test_subset_nmes_count_a_face_in_every_subset_it_belongs_to_and_omit_empty_ones():
    faces = [face(1, [3.0, 4.0], flags('pose', 'blur')),          # error 5/60
             face(2, [6.0, 8.0], flags('pose', 'occlusion')),     # error 10/60
             face(3, [0.0, 12.0], flags())]                       # error 12/60, in no subset
    metrics = evaluate(faces)
    assert metrics['NME'] == pytest.approx(27 / 180, rel=1e-5)
    assert metrics['NME_pose'] == pytest.approx(15 / 120, rel=1e-5)
    assert metrics['NME_blur'] == pytest.approx(5 / 60, rel=1e-5)
    assert metrics['NME_occlusion'] == pytest.approx(10 / 60, rel=1e-5)
    for empty in ('expression', 'illumination', 'makeup'):
        assert f'NME_{empty}' not in metrics


def test_no_subset_keys_without_attributes_and_fr_auc_only_when_asked():
    assert set(evaluate([face(1, [3.0, 4.0]), face(2, [3.0, 4.0])])) == {'NME'}  # mmpose's keys
    metrics = evaluate([face(1, [3.0, 4.0]), face(2, [3.0, 4.0])], failure_rate_and_auc=True)
    assert set(metrics) == {'NME', 'FR@0.1', 'AUC@0.1'}


def test_a_face_repeated_by_distributed_padding_is_counted_once():
    once = evaluate([face(1, [3.0, 4.0]), face(2, [30.0, 40.0], seed=1)])
    repeated = evaluate([face(1, [3.0, 4.0]), face(2, [30.0, 40.0], seed=1), face(1, [3.0, 4.0])])
    assert repeated == pytest.approx(once)
    assert once['NME'] == pytest.approx((5 / 60 + 50 / 60) / 2, rel=1e-5)


def test_dump_file_holds_per_face_predictions_and_errors(tmp_path):
    dump = tmp_path / 'sub' / 'preds.json'
    evaluate([face(1, [3.0, 4.0], flags('blur')), face(2, [6.0, 8.0], seed=1)], dump_file=str(dump))
    faces = json.loads(dump.read_text())
    assert [f['id'] for f in faces] == [1, 2]
    first = faces[0]
    assert first['img_path'] == 'img_1.jpg' and first['attributes']['blur'] == 1
    assert first['nme'] == pytest.approx(5 / 60, rel=1e-5)
    assert np.shape(first['pred_keypoints']) == (K, 2) and np.shape(first['gt_keypoints']) == (K, 2)
    np.testing.assert_allclose(np.subtract(first['pred_keypoints'], first['gt_keypoints']),
                               np.tile([3.0, 4.0], (K, 1)), atol=1e-3)
    assert faces[1]['nme'] == pytest.approx(10 / 60, rel=1e-5)
    assert len(first['keypoints_visible']) == K


def test_error_curves_are_written_as_png(tmp_path):
    evaluate([face(1, [3.0, 4.0], flags('pose')), face(2, [6.0, 8.0], flags('pose'), seed=1)],
             output_dir=str(tmp_path))
    curves = tmp_path / 'ced_curves.png'
    assert curves.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and curves.stat().st_size > 5000


def test_mean_shape_baseline_by_hand(tmp_path):
    """The baseline predicts, in every test crop, the average training shape
    (keypoints relative to the padded box, in box units)."""
    center, scale = np.array([150.0, 150.0]), np.array([120.0, 120.0])
    gt = ground_truth()
    # the baseline should predict gt + (3, 4): that shape in crop units is ...
    target_shape = (gt + [3.0, 4.0] - center) / scale + 0.5
    delta = np.random.RandomState(5).uniform(-0.05, 0.05, size=(K, 2))
    annotations = []
    for ann_id, (shape, ann_center, ann_scale) in enumerate(
            [(target_shape + delta, [400.0, 300.0], 1.0), (target_shape - delta, [90.0, 70.0], 0.4)]):
        box = ann_scale * 200 * 1.25
        keypoints = (shape - 0.5) * box + ann_center
        annotations.append(dict(id=ann_id, image_id=0, center=ann_center, scale=ann_scale,
                                keypoints=np.hstack([keypoints, np.full((K, 1), 2)]).ravel().tolist()))
    train_file = tmp_path / 'train.json'
    train_file.write_text(json.dumps(dict(images=[], annotations=annotations)))
    metrics = evaluate([face(1, [0.0, 1.2], flags('pose'), center=center, scale=scale)],
                       baseline_ann_file=str(train_file))
    assert metrics['NME'] == pytest.approx(1.2 / 60, rel=1e-5)
    assert metrics['baseline_NME'] == pytest.approx(5 / 60, rel=1e-4)
    assert metrics['baseline_NME_pose'] == pytest.approx(5 / 60, rel=1e-4)


def test_norm_mode_and_norm_item_are_refused_as_mmpose_refuses_them():
    # mmpose's exact first sentences: tests/test_mmpose_drop_in.py
    with pytest.raises(KeyError, match="'use_norm_item' or 'keypoint_distance'"):
        NME(norm_mode='inter_ocular')
    with pytest.raises(KeyError, match='norm_item'):
        NME(norm_mode='use_norm_item')
    with pytest.raises(AssertionError, match='pair'):
        NME(norm_mode='keypoint_distance', keypoint_indices=[1, 2, 3])


def test_faces_of_several_files_with_the_same_ids_all_count():
    """Files numbered from 0 each (a ConcatDataset of 300W valid and test): faces are (file, id)."""
    faces = [face(0, [3.0, 4.0], ann_file='valid.json'), face(1, [3.0, 4.0], seed=1, ann_file='valid.json'),
             face(0, [30.0, 40.0], seed=2, ann_file='test.json', img_path='other.jpg')]
    metrics = evaluate(faces)
    assert metrics['NME'] == pytest.approx((5 / 60 + 5 / 60 + 50 / 60) / 3, rel=1e-5)


def test_two_different_faces_under_one_id_without_their_file_are_refused_naming_both():
    faces = [face(0, [3.0, 4.0], ann_file=None, img_path='a.jpg'),
             face(0, [3.0, 4.0], seed=1, ann_file=None, img_path='b.jpg')]
    with pytest.raises(ValueError, match=r"two different faces have annotation id 0 \(image a\.jpg; image b\.jpg\)"):
        evaluate(faces)


def test_a_nan_prediction_is_an_infinite_error_and_a_failure_not_nme_0(mmengine_log):
    """With NaN weights the model predicts NaN: NME is inf, the face a failure, the log says how many."""
    from mmpose_face.evaluation.nonfinite_predictions import NonFinitePredictionError, refuse_nonfinite_predictions
    broken = np.zeros((K, 2))
    broken[5] = np.nan
    metric = METRICS.build(dict(type='NME', norm_mode='keypoint_distance', failure_rate_and_auc=True))
    metric.dataset_meta = WFLW_META
    faces = [face(1, [3.0, 4.0]), face(2, broken, seed=1), face(3, np.full((K, 2), np.nan), seed=2)]
    metric.process({}, faces)
    metrics = metric.evaluate(len(faces))
    assert metrics['NME'] == np.inf
    assert metrics['FR@0.1'] == pytest.approx(2 / 3)
    assert metrics['AUC@0.1'] == pytest.approx((1 - (5 / 60) / 0.1) / 3, rel=1e-4)
    assert metric.nonfinite_faces == 2
    log = mmengine_log.getvalue()
    assert 'WFLW evaluation: 2 of 3 faces have non-finite predicted keypoints' in log
    assert re.search(r'NME \(%\) +inf', log) and re.search(r'FR@0.1 \(%\) +66.67', log)
    with pytest.raises(NonFinitePredictionError, match=r'^2 test faces have non-finite .*so NME is not finite.*--allow-nonfinite'):
        refuse_nonfinite_predictions(metrics, SimpleNamespace(metrics=[metric]))
    refuse_nonfinite_predictions(evaluate([face(1, [3.0, 4.0])]))  # finite: nothing raised
    # an invisible point is not scored: its NaN changes nothing
    visible = np.ones(K)
    visible[5] = 0
    assert evaluate([face(1, np.where(np.arange(K)[:, None] == 5, np.nan, 3.0), visible=visible)])['NME'] == \
        pytest.approx(np.hypot(3, 3) / 60, rel=1e-5)


def test_partial_attributes_evaluate_subsets_over_the_flagged_faces_and_say_so(mmengine_log):
    faces = [face(1, [3.0, 4.0], flags('pose'), ann_file='wflw_test.json'),      # 5/60, pose
             face(2, [6.0, 8.0], flags('blur'), seed=1, ann_file='wflw_test.json'),  # 10/60, blur
             face(3, [0.0, 12.0], None, seed=2, ann_file='wflw_test.json')]      # 12/60, no attributes
    metrics = evaluate(faces)
    assert metrics['NME'] == pytest.approx(27 / 180, rel=1e-5)
    assert metrics['NME_pose'] == pytest.approx(5 / 60, rel=1e-5)
    assert metrics['NME_blur'] == pytest.approx(10 / 60, rel=1e-5)
    log = mmengine_log.getvalue()
    lines = [line for line in log.splitlines() if 'carry no' in line]
    assert len(lines) == 1 and "wflw_test.json: 1 of 3 faces carry no 'attributes'; each subset column counts " \
        'only the 2 faces that do' in lines[0]
