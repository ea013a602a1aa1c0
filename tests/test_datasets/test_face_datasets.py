"""Every face benchmark under mmpose's names: its layout loads, its metainfo has
mmpose's keys and types, its flip pairs mirror real faces, NME uses its
published normalisation and the report its subsets, and its configs train
and test on generated data.
"""
import json
import os.path as osp
import uuid

import numpy as np
import pytest
from mmengine.config import Config

from mmpose_face.datasets.dataset_info import load_dataset_info

from face_layouts import BENCHMARKS, config_path, write_benchmark_files
from face_benchmark_samples import DESCRIPTIONS, PUBLISHED_NME_POINTS, build, evaluate, face_sample, written


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


@pytest.mark.parametrize('name', list(PUBLISHED_NME_POINTS))
def test_nme_is_normalised_by_the_published_points_of_each_benchmark(name):
    gt = np.random.default_rng(1).uniform(50, 150, (BENCHMARKS[name][1], 2))
    a, b = PUBLISHED_NME_POINTS[name]
    metrics = evaluate(name, [face_sample(gt, [3., 4.])])
    assert metrics['NME'] == pytest.approx(5 / np.linalg.norm(gt[a] - gt[b]), rel=1e-5)


def test_nme_takes_mmpose_samples_and_a_zero_normaliser_as_mmpose_does():
    gt = np.random.default_rng(4).uniform(50, 150, (68, 2))
    collapsed = gt.copy()
    collapsed[45] = collapsed[36]  # inter-ocular distance 0: the face does not count
    metrics = evaluate('300w', [face_sample(gt, [3., 4.]), face_sample(collapsed, [30., 40.])])
    assert metrics['NME'] == pytest.approx(5 / np.linalg.norm(gt[36] - gt[45]), rel=1e-5)
    only_zero = evaluate('300w', [face_sample(collapsed, [30., 40.])])
    assert only_zero['NME'] == 0.0  # mmpose: a sum over no point divided by max(1, 0)


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
