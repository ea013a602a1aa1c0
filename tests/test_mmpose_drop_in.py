"""Where code written for mmpose 1.3.2 meets this project: its messages, NME's keys, the heads'
heatmaps, the bad-case hook (issue 23).

``MMPOSE_1_3_2`` holds what mmpose itself does, measured by running
``tests/mmpose_drop_in_probe.py`` in ``.venv-mmpose``; the last test checks
that the measurement still holds (skipped without that environment). The
other tests hold this project to it: the same exception type, mmpose's
message as the first sentence (our context after it), the same keys,
shapes, file names.
"""
import json
import os
import os.path as osp
import re
import subprocess
from unittest.mock import MagicMock

import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope

from mmpose_drop_in_inputs import BADCASE_OFFSET_PX, badcase_keypoints, badcase_samples, nme_faces
from mmpose_reference import REFERENCE_PYTHON, REPO, needs_mmpose_reference

DATA_DIR = osp.join(REPO, 'tests', 'data')

# measured with: .venv-mmpose/bin/python tests/mmpose_drop_in_probe.py WORK OUT.json (mmpose 1.3.2)
MMPOSE_1_3_2 = {
    'bbox_file_errors': {
        name: ['ValueError', f'{name} has `test_mode==False` while "bbox_file" is only supported when '
                             '`test_mode==True`.']
        for name in ('Face300WDataset', 'WFLWDataset', 'AFLWDataset', 'COFWDataset', 'LapaDataset',
                     'CocoWholeBodyFaceDataset', 'Face300WLPDataset')},
    'random_flip_errors': {
        # the runs of spaces are mmpose's: a line continuation inside its f-string
        'prob=None': ['ValueError', 'probs must be float or list of float, but' + ' ' * 31
                      + "got `<class 'NoneType'>`."],
        'direction=None': ['ValueError', 'direction must be either str or list of str,' + ' ' * 32
                           + "but got `<class 'NoneType'>`."]},
    'nme_errors': {
        'norm_mode': ['KeyError', "`norm_mode` should be 'use_norm_item' or 'keypoint_distance', but got invalid."],
        'norm_item_missing': ['KeyError', '`norm_mode` is set to `"use_norm_item"`, please specify the `norm_item` '
                                          'in the datainfo used as the normalization factor.'],
        'bbox_size_without_bboxes': ['AssertionError', 'The ground truth data info do not have the item ``bboxes`` '
                                                       'for expected normalized_item ``"bbox_size"``.'],
        'norm_item_not_in_gt': ['AssertionError', 'The ground truth data info do not have the expected normalized '
                                                  'factor "norm_item1"'],
        'no_default_keypoint_indices': ['KeyError', '`norm_mode` is set to `keypoint_distance`, and the '
                                                    'keypoint_indices is set to None, can not find the '
                                                    'keypoint_indices in `DEFAULT_KEYPOINT_INDICES`, please '
                                                    'specify `keypoint_indices` appropriately.'],
        'keypoint_indices_not_a_pair': ['AssertionError', 'The keypoint indices used for normalization should be '
                                                          'a pair.'],
        'keypoint_index_not_in_dataset': ['AssertionError', 'The wflw dataset does not contain the required '
                                                            '200-th keypoint.']},
    'nme_keys': ['NME'],
    'head_heatmaps': {
        head: {case: {'result': 'tuple', 'fields': ['PixelData', 'PixelData'], 'keys': [['heatmaps'], ['heatmaps']],
                      'type': 'Tensor', 'shapes': [shape, shape], 'dtype': 'torch.float32',
                      'keypoints': [[1, shape[0], 2], [1, shape[0], 2]]}
               for case in ('plain', 'flip_test')} | {'without': 'list'}
        for head, shape in (('IntegralRegressionHead', [17, 32, 24]), ('DSNTHead', [98, 64, 64]),
                            ('HeatmapHead', [17, 32, 24]))},
    'badcase': {
        'files': ['7_Cheering_Cheering_7_16_bbox[[30, 40, 130, 100]]_KeypointMSELoss144.0.jpg'],
        'out_dir': 'work/1/badcase', 'test_index': 2, 'image_shape': [1024, 1024, 3],
        'results': [{'img': '7_Cheering_Cheering_7_16', 'bbox': [[30, 40, 130, 100]], 'KeypointMSELoss': 144.0}] * 2,
        # BGR: ground truth drawn blue, prediction red
        'colours': {'gt_point_bgr': [152, 0, 78], 'pred_point_bgr': [0, 0, 248]}},
}


@pytest.fixture(autouse=True)
def mmpose_face_scope():
    init_default_scope('mmpose_face')


def raised(call) -> list:
    """[exception class name, message] as the probe records them (a KeyError's argument, unquoted)."""
    with pytest.raises(Exception) as info:
        call()
    error = info.value
    return [type(error).__name__, error.args[0] if isinstance(error, KeyError) else str(error)]


def assert_mmpose_message_first(ours: list, mmpose: list) -> None:
    """Same exception type; mmpose's message (runs of spaces made one) is our first sentence, then context."""
    assert ours[0] == mmpose[0], (ours, mmpose)
    expected = re.sub(r' {2,}', ' ', mmpose[1])
    assert ours[1].startswith(expected), (ours[1], expected)
    assert len(ours[1]) > len(expected) + 10, 'our context (class, value, fix) follows mmpose\'s message'


# ------------------------------------------------------------------ messages
@pytest.mark.parametrize('name', sorted(MMPOSE_1_3_2['bbox_file_errors']))
def test_bbox_file_without_test_mode_says_what_mmpose_says_first(name, tmp_path):
    from mmpose_face.registry import DATASETS
    ann_file = osp.join(DATA_DIR, 'test_wflw.json')
    ours = raised(lambda: DATASETS.build(dict(type=name, ann_file=ann_file, bbox_file=ann_file, test_mode=False)))
    assert_mmpose_message_first(ours, MMPOSE_1_3_2['bbox_file_errors'][name])
    assert 'test_mode=True' in ours[1].split('. ', 1)[1]  # the fix


@pytest.mark.parametrize('case', ['prob=None', 'direction=None'])
def test_random_flip_refuses_none_as_mmpose_does(case):
    from mmpose_face.datasets.transforms import RandomFlip
    ours = raised(lambda: RandomFlip(**{case.split('=')[0]: None}))
    assert_mmpose_message_first(ours, MMPOSE_1_3_2['random_flip_errors'][case])
    assert 'RandomFlip' in ours[1]


def evaluated(metric, meta, samples):
    metric.dataset_meta = meta
    metric.process([], samples)
    return metric.evaluate(len(samples))


WFLW_MMPOSE_META = dict(dataset_name='wflw', keypoint_id2name={k: str(k) for k in range(98)})


def test_the_nme_argument_errors_say_what_mmpose_says_first():
    from mmpose_face.evaluation import NME
    no_bboxes = [dict(gt_instances={k: v for k, v in s['gt_instances'].items() if k != 'bboxes'},
                      pred_instances=s['pred_instances']) for s in nme_faces()]
    ours = {
        'norm_mode': raised(lambda: NME(norm_mode='invalid')),
        'norm_item_missing': raised(lambda: NME(norm_mode='use_norm_item', norm_item=None)),
        'bbox_size_without_bboxes': raised(
            lambda: evaluated(NME(norm_mode='use_norm_item', norm_item='bbox_size'), WFLW_MMPOSE_META, no_bboxes)),
        'norm_item_not_in_gt': raised(
            lambda: evaluated(NME(norm_mode='use_norm_item', norm_item='norm_item1'), WFLW_MMPOSE_META,
                              nme_faces())),
        'no_default_keypoint_indices': raised(
            lambda: evaluated(NME(norm_mode='keypoint_distance'), dict(dataset_name='unknown'), nme_faces())),
        'keypoint_indices_not_a_pair': raised(
            lambda: evaluated(NME(norm_mode='keypoint_distance', keypoint_indices=[0]), WFLW_MMPOSE_META,
                              nme_faces())),
        'keypoint_index_not_in_dataset': raised(
            lambda: evaluated(NME(norm_mode='keypoint_distance', keypoint_indices=[0, 200]), WFLW_MMPOSE_META,
                              nme_faces())),
    }
    assert set(ours) == set(MMPOSE_1_3_2['nme_errors'])
    for case, mmpose in MMPOSE_1_3_2['nme_errors'].items():
        assert_mmpose_message_first(ours[case], mmpose)
    assert 'NME' in ours['norm_mode'][1] and "'invalid'" in ours['norm_mode'][1]


# ------------------------------------------------------------------ NME's output
def test_nme_returns_mmposes_keys_by_default_and_fr_auc_when_asked():
    from mmpose_face.evaluation import NME
    metrics = evaluated(NME(norm_mode='keypoint_distance'), WFLW_MMPOSE_META, nme_faces())
    assert sorted(metrics) == MMPOSE_1_3_2['nme_keys']
    # mmpose's default points for 'wflw' (60, 72) when the metainfo names none
    gt = [face['gt_instances']['keypoints'][0] for face in nme_faces()]
    expected = np.mean([offset * np.sqrt(2) / np.linalg.norm(g[60] - g[72]) for offset, g in zip((1, 2), gt)])
    assert metrics['NME'] == pytest.approx(expected, rel=1e-6)
    extended = evaluated(NME(norm_mode='keypoint_distance', failure_rate_and_auc=True), WFLW_MMPOSE_META,
                         nme_faces())
    assert sorted(extended) == ['AUC@0.1', 'FR@0.1', 'NME'] and extended['NME'] == metrics['NME']


@pytest.mark.parametrize('config', [
    'configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res50_8xb64-210e_wflw-256x256.py',
    'configs/face_2d_keypoint/topdown_regression/wflw/td-reg_res18_softwingloss_1xb32-12e_synthetic-wflw-64x64.py',
    'configs/face_2d_keypoint/topdown_regression/aflw/td-reg_res50_8xb64-210e_aflw-256x256.py',
    'configs/face_2d_keypoint/topdown_regression/300w/td-reg_res50_8xb64-210e_300w-256x256.py',
    'configs/face_2d_keypoint/integral_regression/wflw/ipr_res50_dsnt-8xb64-210e_wflw-256x256.py',
])
def test_our_configs_switch_fr_and_auc_on(config):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(REPO, config))
    assert cfg.val_evaluator['failure_rate_and_auc'] is True
    assert cfg.test_evaluator['failure_rate_and_auc'] is True


# ------------------------------------------------------------------ heads' heatmaps
HEADS = {
    'IntegralRegressionHead': dict(type='IntegralRegressionHead', in_channels=8, in_featuremap_size=(6, 8),
                                   num_joints=17, deconv_out_channels=(8, 8), deconv_kernel_sizes=(4, 4),
                                   decoder=dict(type='IntegralRegressionLabel', input_size=(192, 256),
                                                heatmap_size=(48, 64), sigma=2.0)),
    'DSNTHead': dict(type='DSNTHead', in_channels=8, in_featuremap_size=(8, 8), num_joints=98,
                     deconv_out_channels=(8, 8, 8), deconv_kernel_sizes=(4, 4, 4),
                     decoder=dict(type='IntegralRegressionLabel', input_size=(256, 256),
                                  heatmap_size=(64, 64), sigma=2.0)),
    'HeatmapHead': dict(type='HeatmapHead', in_channels=8, out_channels=17, deconv_out_channels=(8, 8),
                        deconv_kernel_sizes=(4, 4),
                        decoder=dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(24, 32), sigma=2.0)),
}
FEATURE_MAP_SIZES = {'IntegralRegressionHead': (6, 8), 'DSNTHead': (8, 8), 'HeatmapHead': (6, 8)}  # (w, h)


def num_joints(cfg) -> int:
    return cfg.get('num_joints', cfg.get('out_channels'))


def head_and_inputs(name):
    from mmpose_face.registry import MODELS
    from mmpose_face.structures import PoseDataSample
    torch.manual_seed(0)
    cfg = HEADS[name]
    head = MODELS.build(cfg).eval()
    w, h = FEATURE_MAP_SIZES[name]
    samples = [PoseDataSample(metainfo=dict(flip_indices=list(range(num_joints(cfg))),
                                            input_size=cfg['decoder']['input_size'])) for _ in range(2)]
    return head, (torch.rand(2, 8, h, w),), samples


@pytest.mark.parametrize('name', sorted(HEADS))
def test_output_heatmaps_gives_pixeldata_heatmaps_of_mmposes_shapes(name):
    head, feats, samples = head_and_inputs(name)
    for case, test_cfg, inputs in (('plain', dict(output_heatmaps=True), feats),
                                   ('flip_test', dict(output_heatmaps=True, flip_test=True, shift_heatmap=True),
                                    [feats, feats])):
        with torch.no_grad():
            result = head.predict(inputs, samples, test_cfg=test_cfg)
        preds, fields = result
        measured = dict(result=type(result).__name__, fields=[type(f).__name__ for f in fields],
                        keys=[sorted(f.keys()) for f in fields], type=type(fields[0].heatmaps).__name__,
                        shapes=[list(f.heatmaps.shape) for f in fields], dtype=str(fields[0].heatmaps.dtype),
                        keypoints=[list(p.keypoints.shape) for p in preds])
        assert measured == MMPOSE_1_3_2['head_heatmaps'][name][case]
        if case == 'plain':  # the head's maps (the integral heads': softmax, each sums to 1)
            maps = head.forward(feats)
            torch.testing.assert_close(fields[0].heatmaps, (maps if name == 'HeatmapHead' else maps[1])[0])
        # the keypoints are those without the option
        plain = head.predict(inputs, samples, test_cfg={k: v for k, v in test_cfg.items() if k != 'output_heatmaps'})
        assert type(plain).__name__ == MMPOSE_1_3_2['head_heatmaps'][name]['without']
        np.testing.assert_array_equal(plain[0].keypoints, preds[0].keypoints)


def test_flip_test_heatmaps_are_the_average_with_the_mirrored_maps():
    from mmpose_face.models.heads.integral_regression_head import flip_heatmaps
    head, feats, samples = head_and_inputs('DSNTHead')
    flipped = (torch.rand_like(feats[0]),)
    with torch.no_grad():
        _, fields = head.predict([feats, flipped], samples, test_cfg=dict(output_heatmaps=True, flip_test=True))
        expected = (head.forward(feats)[1] + flip_heatmaps(head.forward(flipped)[1], list(range(98)), False)) / 2
    torch.testing.assert_close(fields[1].heatmaps, expected[1])


def test_the_estimator_puts_heatmaps_in_pred_fields_and_the_visualizer_draws_them(tmp_path):
    """test_cfg.output_heatmaps through TopdownPoseEstimator (as mmpose: ``pred_fields``), then
    ``add_datasample(draw_heatmap=True)`` stacks the heatmap picture under the image, as mmpose does."""
    from mmpose_face.registry import MODELS
    from mmpose_face.structures import PoseDataSample
    from mmpose_face.visualization import PoseLocalVisualizer
    torch.manual_seed(0)
    estimator = MODELS.build(dict(
        type='TopdownPoseEstimator', test_cfg=dict(output_heatmaps=True),
        backbone=dict(type='ResNet', depth=18, stem_channels=8, base_channels=8, init_cfg=None),
        head=dict(HEADS['DSNTHead'], in_channels=64, in_featuremap_size=(2, 2),
                  decoder=dict(type='IntegralRegressionLabel', input_size=(64, 64), heatmap_size=(16, 16),
                               sigma=2.0)))).eval()
    samples = [PoseDataSample(metainfo=dict(input_size=(64, 64), input_center=np.array([60., 50.]),
                                            input_scale=np.array([64., 64.]))) for _ in range(2)]
    with torch.no_grad():
        results = estimator.predict(torch.rand(2, 3, 64, 64), samples)
    assert list(results[0].pred_fields.heatmaps.shape) == [98, 16, 16]
    visualizer = PoseLocalVisualizer(name=f'heatmaps_{np.random.randint(1 << 30)}')
    image = np.full((120, 160, 3), 90, np.uint8)
    drawn = visualizer.add_datasample('face', image, results[0], draw_heatmap=True, out_file=str(tmp_path / 'a.png'))
    assert drawn.shape == (240, 160, 3)
    below = drawn[120:].astype(int)
    # the maps cover the crop box (60, 50) +- 32 px; elsewhere the photo is as it was
    assert (below[20:80, 30:90] != 90).any(axis=-1).mean() > 0.9
    assert (below[:, 95:] == 90).all() and (below[85:] == 90).all()
    assert visualizer.add_datasample('face', image, results[0]).shape == (120, 160, 3)  # mmpose's default: off
    plain = PoseDataSample()
    assert visualizer.add_datasample('face', image, plain, draw_heatmap=True).shape == (120, 160, 3)


# ------------------------------------------------------------------ BadCaseAnalysisHook
def test_badcase_hook_builds_its_metric_in_init_and_after_test_iter_alone_writes_mmposes_image(tmp_path,
                                                                                             monkeypatch):
    import cv2
    from mmpose_face.engine.hooks import BadCaseAnalysisHook
    from mmpose_face.structures import PoseDataSample
    from mmpose_face.visualization import PoseLocalVisualizer
    PoseLocalVisualizer.get_instance(f'drop_in_badcase_{np.random.randint(1 << 30)}')
    sample, pred = badcase_samples(PoseDataSample, osp.join(DATA_DIR, '7_Cheering_Cheering_7_16.jpg'))
    keypoints = badcase_keypoints()
    runner = MagicMock()  # as mmpose's own test: a mock runner, a relative work_dir
    runner.iter, runner.work_dir, runner.timestamp = 1, 'work', '1'
    monkeypatch.chdir(tmp_path)
    hook = BadCaseAnalysisHook(enable=True, out_dir='badcase', metric_type='loss',
                               metric=ConfigDict(type='KeypointMSELoss'), badcase_thr=-1)
    assert type(hook.metric).__name__ == 'KeypointMSELoss'
    hook.after_test_iter(runner, 1, {'data_samples': [sample] * 2}, [pred] * 2)
    expected = MMPOSE_1_3_2['badcase']
    out_dir = tmp_path / expected['out_dir']
    assert sorted(os.listdir(out_dir)) == expected['files'] and hook._test_index == expected['test_index']
    image = cv2.imread(str(out_dir / expected['files'][0]))
    assert list(image.shape) == expected['image_shape']
    gt_x, gt_y = np.round(keypoints[0, 8] + BADCASE_OFFSET_PX).astype(int)
    pred_x, pred_y = np.round(keypoints[0, 8]).astype(int)
    assert int(np.argmax(image[gt_y, gt_x])) == int(np.argmax(expected['colours']['gt_point_bgr'])) == 0  # blue
    assert int(np.argmax(image[pred_y, pred_x])) == int(np.argmax(expected['colours']['pred_point_bgr'])) == 2
    hook.after_test_epoch(runner)
    assert json.loads((out_dir / 'results.json').read_text()) == expected['results']


def test_badcase_hook_refuses_an_unknown_metric_when_built_as_mmpose_does():
    from mmpose_face.engine.hooks import BadCaseAnalysisHook
    with pytest.raises(KeyError, match='NoSuchLoss'):
        BadCaseAnalysisHook(enable=False, metric=dict(type='NoSuchLoss'))


# ------------------------------------------------------------------ the measurement itself
@needs_mmpose_reference
def test_the_pinned_facts_are_what_mmpose_1_3_2_does(tmp_path):
    out = tmp_path / 'mmpose.json'
    process = subprocess.run([REFERENCE_PYTHON, osp.join(REPO, 'tests', 'mmpose_drop_in_probe.py'),
                              str(tmp_path / 'work'), str(out)], cwd=REPO, capture_output=True, text=True,
                             timeout=300, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert out.is_file(), (process.stdout + process.stderr)[-3000:]
    measured = json.loads(out.read_text())
    for key in ('bbox_file_errors', 'random_flip_errors', 'nme_errors', 'nme_keys'):
        assert measured[key] == MMPOSE_1_3_2[key], key
    for head, cases in MMPOSE_1_3_2['head_heatmaps'].items():
        for case, expected in cases.items():
            got = measured['head_heatmaps'][head][case]
            assert (got if case == 'without' else {k: got[k] for k in expected}) == expected, (head, case)
    badcase = measured['badcase']
    for key in ('files', 'out_dir', 'test_index', 'image_shape', 'results'):
        assert badcase[key] == MMPOSE_1_3_2['badcase'][key], key
    assert badcase['colours']['gt_point_bgr'] == MMPOSE_1_3_2['badcase']['colours']['gt_point_bgr']
    assert badcase['colours']['pred_point_bgr'] == MMPOSE_1_3_2['badcase']['colours']['pred_point_bgr']
