"""Every face benchmark under mmpose's names: its layout loads, its metainfo has
mmpose's keys and types, its flip pairs mirror real faces, NME uses its
published normalisation and the report its subsets, and its configs train
and test on generated data."""
import json
import os.path as osp
import uuid

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from face_layouts import BENCHMARKS, config_path, write_benchmark_files
from mmpose_face.datasets import BaseCocoStyleDataset
from mmpose_face.datasets.dataset_info import load_dataset_info, parse_dataset_info
from mmpose_face.errors import FaceAnnotationError
from mmpose_face.evaluation.report import format_table
from mmpose_face.registry import DATASETS, METRICS
from mmpose_face.structures import PoseDataSample

DESCRIPTIONS = {name: f'configs/_base_/datasets/{name}.py' for name in BENCHMARKS}
# the 68-point iBUG mark-up from WFLW's 98 points (the standard correspondence)
WFLW_TO_68 = (list(range(0, 33, 2)) + [33, 34, 35, 36, 37, 42, 43, 44, 45, 46] + [51, 52, 53, 54]
              + [55, 56, 57, 58, 59] + [60, 61, 63, 64, 65, 67] + [68, 69, 71, 72, 73, 75]
              + list(range(76, 96)))
# AFLW's 19 points from WFLW's: brows (outer, middle, inner corner of each), eyes
# (outer corner, pupil, inner corner), nostrils and nose tip, mouth corners and
# centre, chin (-1: the mean of the lip centres 79 and 85)
WFLW_TO_AFLW = [33, 35, 37, 42, 44, 46, 60, 96, 64, 68, 97, 72, 55, 54, 59, 76, -1, 82, 16]
PUBLISHED_NME_POINTS = {'wflw': (60, 72), '300w': (36, 45), '300wlp': (36, 45), 'cofw': (8, 9),
                        'coco_wholebody_face': (36, 45), 'lapa': (66, 79)}


def build(name, ann_file, **kwargs):
    init_default_scope('mmpose_face')
    kwargs.setdefault('test_mode', True)
    return DATASETS.build(dict(type=BENCHMARKS[name][0], ann_file=ann_file, data_root=osp.dirname(ann_file),
                               data_prefix=dict(img='images/'), pipeline=[], **kwargs))


@pytest.fixture(scope='module')
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp('layouts')
    return {name: write_benchmark_files(str(folder / name), name) for name in BENCHMARKS}


@pytest.mark.parametrize('name', list(BENCHMARKS))
def test_each_benchmark_reads_its_layout(written, name):
    dataset = build(name, written[name])
    with open(written[name]) as f:
        coco = json.load(f)
    annotations = [ann for ann in coco['annotations'] if ann.get('face_valid', True)]
    layout = BENCHMARKS[name][2]
    assert len(dataset) == len(annotations) == 6  # a wholebody person without a valid face is left out
    for index, ann in enumerate(annotations):
        item = dataset.get_data_info(index)
        assert item['id'] == ann['id'] and item['img_id'] == ann['image_id'] and osp.isfile(item['img_path'])
        raw = np.reshape(ann['face_kpts' if layout == 'wholebody' else 'keypoints'], (-1, 3))
        np.testing.assert_array_equal(item['keypoints'][0], raw[:, :2].astype(np.float32))
        np.testing.assert_array_equal(item['keypoints_visible'][0], np.minimum(1, raw[:, 2]))
        if layout == 'center_scale':
            np.testing.assert_allclose(item['bbox_center'], [ann['center']], rtol=1e-6)
            np.testing.assert_allclose(item['bbox_scale'], [[ann['scale'] * 200] * 2], rtol=1e-6)
        else:
            x, y, w, h = ann['face_box' if layout == 'wholebody' else 'bbox']
            np.testing.assert_allclose(item['bbox'], [[x, y, x + w, y + h]], rtol=1e-6)
            assert 'bbox_center' not in item  # GetBBoxCenterScale derives it from the box
        assert item['flip_indices'] == dataset.metainfo['flip_indices']
        assert item['dataset_name'] == dataset.metainfo['dataset_name'] == name
    first = dataset.get_data_info(0)
    if name == 'wflw':
        assert first['attributes'] == annotations[0]['attributes']
    elif name == '300w':
        assert first['attributes'] == {'common': 1, 'challenging': 0, 'full': 1, 'private': 0}
        assert dataset.get_data_info(1)['attributes'] == {'common': 0, 'challenging': 1, 'full': 1, 'private': 0}
    elif name == 'aflw':
        assert first['attributes'] == {'frontal': 0} and dataset.get_data_info(1)['attributes'] == {'frontal': 1}
        assert first['box_size'] == annotations[0]['box_size']
    else:
        assert first['attributes'] is None


def test_boxes_are_clipped_to_the_image_as_in_mmpose(tmp_path):
    ann_file = write_benchmark_files(str(tmp_path), 'cofw', num_images=1, faces_per_image=1)
    coco = json.loads(open(ann_file).read())
    coco['annotations'][0]['bbox'] = [-5., 10., 100., 20.]  # the 64 x 48 image: x from -5 to 95
    open(ann_file, 'w').write(json.dumps(coco))
    np.testing.assert_array_equal(build('cofw', ann_file).get_data_info(0)['bbox'], [[0, 10, 63, 30]])


def test_aflw_needs_box_size_for_evaluation(tmp_path):
    ann_file = write_benchmark_files(str(tmp_path), 'aflw', num_images=1, faces_per_image=1)
    coco = json.loads(open(ann_file).read())
    del coco['annotations'][0]['box_size']
    open(ann_file, 'w').write(json.dumps(coco))
    assert len(build('aflw', ann_file, test_mode=False)) == 1  # training does not need it
    with pytest.raises(FaceAnnotationError, match=r"annotation id 1000: no 'box_size'"):
        build('aflw', ann_file)


@pytest.mark.parametrize('name', list(BENCHMARKS))
def test_metainfo_has_the_keys_and_types_of_mmpose(name):
    meta = load_dataset_info(DESCRIPTIONS[name])
    num_keypoints = BENCHMARKS[name][1]
    assert meta['num_keypoints'] == num_keypoints and meta['dataset_name'] == name
    for key in ('upper_body_ids', 'lower_body_ids', 'flip_indices', 'flip_pairs', 'skeleton_links'):
        assert isinstance(meta[key], list), key
    assert meta['keypoint_colors'].dtype == np.uint8 and meta['keypoint_colors'].shape == (num_keypoints, 3)
    assert meta['skeleton_link_colors'].dtype == np.uint8 and meta['num_skeleton_links'] == 0
    assert meta['dataset_keypoint_weights'].dtype == np.float32
    assert meta['dataset_keypoint_weights'].shape == (num_keypoints, )
    assert meta['sigmas'].dtype == np.float32
    assert sorted(meta['keypoint_id2name']) == list(range(num_keypoints))
    # each pair both ways, as mmpose lists them
    assert all((j, i) in meta['flip_pairs'] for i, j in meta['flip_pairs'])
    assert meta.get('nme_keypoint_indices') == PUBLISHED_NME_POINTS.get(name)


def mirror_residuals(points: np.ndarray, flip_indices) -> np.ndarray:
    """(K,) distance of each point from its flip partner reflected across the
    best symmetry axis through the centroid (a wrong pair stands out)."""
    centre = points.mean(axis=0)
    partners = points[list(flip_indices)] - centre
    best = None
    for angle in np.radians(np.arange(0., 180., 0.25)):
        axis = np.array([np.cos(angle), np.sin(angle)])
        reflected = 2 * (partners @ axis)[:, None] * axis - partners + centre
        residuals = np.linalg.norm(points - reflected, axis=1)
        if best is None or residuals.mean() < best.mean():
            best = residuals
    return best


def real_faces(mapping=None):
    """The 4 annotated faces of tests/data (98 WFLW points), mapped to another mark-up."""
    with open('tests/data/test_wflw.json') as f:
        faces = [np.reshape(ann['keypoints'], (98, 3))[:, :2] for ann in json.load(f)['annotations']]
    if mapping is None:
        return faces
    lip_centre = [(face[79] + face[85]) / 2 for face in faces]
    return [np.array([centre if k < 0 else face[k] for k in mapping]) for face, centre in zip(faces, lip_centre)]


@pytest.mark.parametrize('name,mapping,eyes', [
    ('wflw', None, (60, 72)), ('300w', WFLW_TO_68, (36, 45)), ('300wlp', WFLW_TO_68, (36, 45)),
    ('coco_wholebody_face', WFLW_TO_68, (36, 45)), ('aflw', WFLW_TO_AFLW, (6, 11))])
def test_flip_pairs_mirror_real_faces_onto_their_partners(name, mapping, eyes):
    flip_indices = load_dataset_info(DESCRIPTIONS[name])['flip_indices']
    for face in real_faces(mapping):
        interocular = np.linalg.norm(face[eyes[0]] - face[eyes[1]])
        assert mirror_residuals(face, flip_indices).max() < 0.25 * interocular
        # the same check fails with one pair wrong: an outer eye corner swapped with a mouth corner
        wrong = list(flip_indices)
        mouth = {68: (48, 54), 98: (76, 82), 19: (15, 17)}[len(face)]
        wrong[eyes[0]], wrong[mouth[1]] = mouth[1], eyes[0]
        wrong[eyes[1]], wrong[mouth[0]] = mouth[0], eyes[1]
        assert mirror_residuals(face, wrong).max() > 0.5 * interocular


def face_sample(gt, offset, attributes=None, bbox=None):
    """A sample as mmpose's model gives it to the metric: no id, no input_center."""
    sample = PoseDataSample(metainfo=dict(attributes=attributes) if attributes else {})
    sample.gt_instances = InstanceData(keypoints=gt[None].astype(np.float32),
                                       keypoints_visible=np.ones((1, len(gt), 1), np.float32),
                                       bboxes=np.asarray([bbox if bbox is not None else [0, 0, 1, 1]], np.float32))
    sample.pred_instances = InstanceData(keypoints=(gt + offset)[None].astype(np.float32))
    return sample.to_dict()


def evaluate(name, samples, **kwargs):
    kwargs.setdefault('norm_mode', 'keypoint_distance')
    metric = METRICS.build(dict(type='NME', **kwargs))
    metric.dataset_meta = load_dataset_info(DESCRIPTIONS[name])
    metric.process({}, samples)
    return metric.evaluate(len(samples))


@pytest.mark.parametrize('name', list(PUBLISHED_NME_POINTS))
def test_nme_is_normalised_by_the_published_points_of_each_benchmark(name):
    gt = np.random.default_rng(1).uniform(50, 150, (BENCHMARKS[name][1], 2))
    a, b = PUBLISHED_NME_POINTS[name]
    metrics = evaluate(name, [face_sample(gt, [3., 4.])])
    assert metrics['NME'] == pytest.approx(5 / np.linalg.norm(gt[a] - gt[b]), rel=1e-5)


def test_aflw_nme_is_normalised_by_the_face_box_and_reports_frontal_faces():
    gt = np.random.default_rng(2).uniform(50, 150, (19, 2))
    samples = [face_sample(gt, [3., 4.], {'frontal': 1}, bbox=[10, 20, 110, 70]),     # box side 100
               face_sample(gt, [6., 8.], {'frontal': 0}, bbox=[0, 0, 40, 50])]        # box side 50
    metrics = evaluate('aflw', samples, norm_mode='use_norm_item', norm_item='bbox_size')
    assert metrics['NME'] == pytest.approx((5 / 100 + 10 / 50) / 2, rel=1e-5)
    assert metrics['NME_frontal'] == pytest.approx(5 / 100, rel=1e-5)
    with pytest.raises(KeyError, match='nme_keypoint_indices'):  # AFLW names no points: mmpose's KeyError
        evaluate('aflw', samples)


def test_300w_report_shows_common_challenging_full_and_private():
    gt = np.random.default_rng(3).uniform(50, 150, (68, 2))
    gt[36], gt[45] = [60., 80.], [120., 80.]
    flags = {name: {'common': 1, 'challenging': 0, 'full': 1, 'private': 0} for name in ('common', )}
    flags['challenging'] = {'common': 0, 'challenging': 1, 'full': 1, 'private': 0}
    flags['private'] = {'common': 0, 'challenging': 0, 'full': 0, 'private': 1}
    samples = [face_sample(gt, [0., 3.], flags['common']), face_sample(gt, [0., 6.], flags['challenging']),
               face_sample(gt, [0., 12.], flags['private'])]
    metrics = evaluate('300w', samples)
    assert metrics['NME_common'] == pytest.approx(0.05) and metrics['NME_challenging'] == pytest.approx(0.1)
    assert metrics['NME_full'] == pytest.approx(0.075) and metrics['NME_private'] == pytest.approx(0.2)
    assert metrics['NME'] == pytest.approx(0.35 / 3)
    meta = load_dataset_info(DESCRIPTIONS['300w'])
    header = format_table(metrics, {'': np.array([.05, .1, .2])}, 0.1, meta['subsets']).splitlines()[0]
    assert header.split() == ['All', 'Common', 'Challenging', 'Full', 'Private', 'test']


def test_nme_takes_mmpose_samples_and_a_zero_normaliser_as_mmpose_does():
    gt = np.random.default_rng(4).uniform(50, 150, (68, 2))
    collapsed = gt.copy()
    collapsed[45] = collapsed[36]  # inter-ocular distance 0: the face does not count
    metrics = evaluate('300w', [face_sample(gt, [3., 4.]), face_sample(collapsed, [30., 40.])])
    assert metrics['NME'] == pytest.approx(5 / np.linalg.norm(gt[36] - gt[45]), rel=1e-5)
    only_zero = evaluate('300w', [face_sample(collapsed, [30., 40.])])
    assert only_zero['NME'] == 0.0  # mmpose: a sum over no point divided by max(1, 0)


def test_a_new_face_data_set_is_a_description_and_a_file(tmp_path):
    """No shared code knows it: points, NME normalisation and subsets come from its description."""
    description = dict(
        dataset_name='five_points',
        keypoint_info={i: dict(name=f'p{i}', id=i, color=[255, 0, 0], type='', swap=swap)
                       for i, swap in enumerate(['p1', 'p0', '', 'p4', 'p3'])},
        skeleton_info={}, joint_weights=[1.] * 5, sigmas=[],
        nme_keypoint_indices=(0, 1), subsets=dict(hard='Hard'))
    folder = tmp_path / 'five'
    ann_file = write_benchmark_files(str(folder), 'cofw')
    coco = json.loads(open(ann_file).read())
    for index, ann in enumerate(coco['annotations']):
        ann['keypoints'] = ann['keypoints'][:15]
        ann['attributes'] = [index % 2]  # a list of the flags in the description's order
    open(ann_file, 'w').write(json.dumps(coco))
    init_default_scope('mmpose_face')
    dataset = BaseCocoStyleDataset(ann_file=ann_file, metainfo=description, data_prefix=dict(img=''),
                                   test_mode=True)
    assert len(dataset) == 6 and dataset.metainfo['flip_indices'] == [1, 0, 2, 4, 3]
    assert [dataset.get_data_info(i)['attributes'] for i in range(2)] == [{'hard': 0}, {'hard': 1}]
    metric = METRICS.build(dict(type='NME', norm_mode='keypoint_distance'))
    metric.dataset_meta = dataset.metainfo
    gt = np.random.default_rng(5).uniform(50, 150, (5, 2))
    metric.process({}, [face_sample(gt, [3., 4.], {'hard': 1}), face_sample(gt, [6., 8.], {'hard': 0})])
    metrics = metric.evaluate(2)
    distance = np.linalg.norm(gt[0] - gt[1])
    assert metrics['NME_hard'] == pytest.approx(5 / distance, rel=1e-5)
    assert metrics['NME'] == pytest.approx(7.5 / distance, rel=1e-5)
    assert parse_dataset_info(description)['subsets'] == {'hard': 'Hard'}


def test_detected_boxes_from_bbox_file_replace_the_annotated_ones(written, tmp_path):
    bbox_file = tmp_path / 'detections.json'
    bbox_file.write_text(json.dumps([
        dict(image_id=100, bbox=[5., 6., 20., 22.], score=0.9, category_id=1),
        dict(image_id=101, bbox=[1., 2., 3., 4.], score=0.5, category_id=2),  # not a face: left out
        dict(image_id=102, bbox=[10., 10., 30., 30.], score=0.7, category_id=1)]))
    dataset = build('300w', written['300w'], bbox_file=str(bbox_file))
    assert len(dataset) == 2
    item = dataset.get_data_info(1)
    np.testing.assert_array_equal(item['bbox'], [[10., 10., 40., 40.]])
    assert item['bbox_score'] == pytest.approx([0.7]) and item['id'] == 1 and item['img_id'] == 102
    assert item['keypoints'].shape == (1, 68, 2) and (item['keypoints_visible'] == 1).all()
    confident = build('300w', written['300w'], bbox_file=str(bbox_file), filter_cfg=dict(bbox_score_thr=0.8))
    assert len(confident) == 1 and confident.get_data_info(0)['img_id'] == 100
    with pytest.raises(ValueError, match='test_mode'):
        build('300w', written['300w'], bbox_file=str(bbox_file), test_mode=False)


# --------------------------------------------------------------------------- end to end
@pytest.mark.parametrize('name', [name for name in BENCHMARKS if name != 'wflw'])
def test_every_benchmark_config_trains_and_tests_on_generated_data(tmp_path, name, one_thread):
    """Each benchmark's published-size config, shrunk (ResNet-18 from scratch, 32x32,
    2 steps), trains, validates and tests on a generated file of its layout, with
    the Wing and Soft Wing variants building the same data set."""
    from mmengine.runner import Runner
    data = tmp_path / 'data'
    train_file = write_benchmark_files(str(data), name, seed=1, file_name='train.json')
    test_file = write_benchmark_files(str(data), name, seed=2, file_name='test.json')
    cfg = Config.fromfile(config_path(name))
    for loss in ('wingloss', 'softwingloss'):
        variant = Config.fromfile(config_path(name, loss))
        assert variant.train_dataloader.dataset.type == cfg.train_dataloader.dataset.type
        assert variant.model.head.loss.type == {'wingloss': 'WingLoss', 'softwingloss': 'SoftWingLoss'}[loss]
    codec = dict(type='RegressionLabel', input_size=(32, 32))
    cfg.merge_from_dict({
        'model.backbone.depth': 18, 'model.backbone.init_cfg': None, 'model.head.in_channels': 512,
        'model.head.decoder': codec, 'model.test_cfg.flip_test': True,
        'train_cfg.max_epochs': 1, 'train_cfg.val_interval': 1,
        'param_scheduler': [dict(type='ConstantLR', factor=1.0, by_epoch=False)],
        'default_hooks.logger.interval': 1, 'default_hooks.checkpoint.interval': 1,
        'work_dir': str(tmp_path / 'work'), 'experiment_name': f'{name}-{uuid.uuid4().hex}'})
    for phase, ann_file in (('train', train_file), ('val', test_file), ('test', test_file)):
        loader = cfg[f'{phase}_dataloader']
        loader.update(batch_size=3, num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=str(data), ann_file=ann_file, data_prefix=dict(img='images/'))
        for step in loader.dataset.pipeline:
            if step['type'] in ('TopdownAffine', ):
                step['input_size'] = codec['input_size']
            if step['type'] == 'GenerateTarget':
                step['encoder'] = codec
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert np.isfinite(metrics['NME']) and metrics['NME'] > 0
    subsets = load_dataset_info(DESCRIPTIONS[name]).get('subsets', {})
    expected = {'300w': {'NME_common', 'NME_challenging', 'NME_full'}, 'aflw': {'NME_frontal'}}.get(name, set())
    assert {key for key in metrics if key.startswith('NME_')} == expected
    assert all(key[len('NME_'):] in subsets for key in expected)
