"""Measure the mmpose 1.3.2 behaviour that tests/test_mmpose_drop_in.py pins (run with .venv-mmpose's python).

    .venv-mmpose/bin/python tests/mmpose_drop_in_probe.py WORK_DIR OUT.json

Imports only mmpose (never mmpose_face). OUT.json:
    bbox_file_errors    {data set class: [exception class, message]} for bbox_file with test_mode=False
    random_flip_errors  {'prob=None' | 'direction=None': [exception class, message]}
    nme_errors          {case: [exception class, message]}, the NME argument errors
    nme_keys            sorted keys of NME.evaluate on two faces
    head_heatmaps       {head: {'plain' | 'flip_test': {'preds', 'fields', 'type', 'shapes', 'dtype'}}}
    badcase             {'files': names the hook wrote under WORK_DIR, 'image_shape', 'results',
                         'colours': BGR of the written image and of the photo at a ground-truth and a predicted point}
"""
import json
import os
import os.path as osp
import sys
import warnings
from unittest.mock import MagicMock

warnings.filterwarnings('ignore')

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mmpose_drop_in_inputs import BADCASE_OFFSET_PX, badcase_keypoints, badcase_samples, nme_faces  # noqa: E402 (tests/)

DATA_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'data')
FACE_DATASETS = ('Face300WDataset', 'WFLWDataset', 'AFLWDataset', 'COFWDataset', 'LapaDataset',
                 'CocoWholeBodyFaceDataset', 'Face300WLPDataset')


def raised(call) -> list:
    """[exception class name, message] of what ``call()`` raises (a KeyError's argument, unquoted), or None."""
    try:
        call()
    except Exception as error:  # noqa: BLE001 (any is a measurement)
        message = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
        return [type(error).__name__, message]
    return None


def nme_errors(NME) -> dict:
    wflw_meta = dict(dataset_name='wflw', keypoint_id2name={k: str(k) for k in range(98)})

    def evaluated(metric, meta, samples):
        metric.dataset_meta = meta
        metric.process([], samples)
        return metric.evaluate(len(samples))

    no_bboxes = [dict(gt_instances=dict(keypoints=s['gt_instances']['keypoints'],
                                        keypoints_visible=s['gt_instances']['keypoints_visible']),
                      pred_instances=s['pred_instances']) for s in nme_faces()]
    return {
        'norm_mode': raised(lambda: NME(norm_mode='invalid')),
        'norm_item_missing': raised(lambda: NME(norm_mode='use_norm_item', norm_item=None)),
        'bbox_size_without_bboxes': raised(
            lambda: evaluated(NME(norm_mode='use_norm_item', norm_item='bbox_size'), wflw_meta, no_bboxes)),
        'norm_item_not_in_gt': raised(
            lambda: evaluated(NME(norm_mode='use_norm_item', norm_item='norm_item1'), wflw_meta, nme_faces())),
        'no_default_keypoint_indices': raised(
            lambda: evaluated(NME(norm_mode='keypoint_distance'), dict(dataset_name='unknown'), nme_faces())),
        'keypoint_indices_not_a_pair': raised(
            lambda: evaluated(NME(norm_mode='keypoint_distance', keypoint_indices=[0]), wflw_meta, nme_faces())),
        'keypoint_index_not_in_dataset': raised(
            lambda: evaluated(NME(norm_mode='keypoint_distance', keypoint_indices=[0, 200]), wflw_meta,
                              nme_faces())),
    }


def head_heatmaps(MODELS, PoseDataSample) -> dict:
    out = {}
    torch.manual_seed(0)
    heads = dict(
        IntegralRegressionHead=dict(type='IntegralRegressionHead', in_channels=8, in_featuremap_size=(6, 8),
                                    num_joints=17, deconv_out_channels=(8, 8), deconv_kernel_sizes=(4, 4),
                                    decoder=dict(type='IntegralRegressionLabel', input_size=(192, 256),
                                                 heatmap_size=(48, 64), sigma=2.0)),
        DSNTHead=dict(type='DSNTHead', in_channels=8, in_featuremap_size=(8, 8), num_joints=98,
                      deconv_out_channels=(8, 8, 8), deconv_kernel_sizes=(4, 4, 4),
                      decoder=dict(type='IntegralRegressionLabel', input_size=(256, 256),
                                   heatmap_size=(64, 64), sigma=2.0)),
        HeatmapHead=dict(type='HeatmapHead', in_channels=8, out_channels=17, deconv_out_channels=(8, 8),
                         deconv_kernel_sizes=(4, 4),
                         decoder=dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(24, 32),
                                      sigma=2.0)))
    feature_map_sizes = dict(IntegralRegressionHead=(6, 8), DSNTHead=(8, 8), HeatmapHead=(6, 8))  # (w, h)
    for name, cfg in heads.items():
        head = MODELS.build(cfg).eval()
        num_joints, (w, h) = cfg.get('num_joints', cfg.get('out_channels')), feature_map_sizes[name]
        samples = [PoseDataSample(metainfo=dict(flip_indices=list(range(num_joints)),
                                                input_size=cfg['decoder']['input_size'])) for _ in range(2)]
        feats = (torch.rand(2, 8, h, w),)
        out[name] = {}
        for case, test_cfg, inputs in (
                ('plain', dict(output_heatmaps=True), feats),
                ('flip_test', dict(output_heatmaps=True, flip_test=True, shift_heatmap=True), [feats, feats])):
            with torch.no_grad():
                result = head.predict(inputs, samples, test_cfg=test_cfg)
            preds, fields = result
            out[name][case] = dict(
                result=type(result).__name__, preds=[type(p).__name__ for p in preds],
                keypoints=[list(p.keypoints.shape) for p in preds],
                fields=[type(f).__name__ for f in fields], keys=[sorted(f.keys()) for f in fields],
                type=type(fields[0].heatmaps).__name__, shapes=[list(f.heatmaps.shape) for f in fields],
                dtype=str(fields[0].heatmaps.dtype))
        out[name]['without'] = type(head.predict(feats, samples, test_cfg={})).__name__
    return out


def badcase(work_dir: str) -> dict:
    from mmengine.config import ConfigDict
    from mmpose.engine.hooks import BadCaseAnalysisHook
    from mmpose.structures import PoseDataSample
    from mmpose.visualization import PoseLocalVisualizer
    # the opencv backend's int(radius) of a (1,) array fails on numpy >= 2.4 (as mmpose's own test does)
    PoseLocalVisualizer.get_instance('drop_in_probe_badcase', backend='matplotlib')
    sample, pred = badcase_samples(PoseDataSample, osp.join(DATA_DIR, '7_Cheering_Cheering_7_16.jpg'))
    keypoints = badcase_keypoints()
    runner = MagicMock()
    runner.iter = 1
    runner.work_dir = 'work'
    runner.timestamp = '1'
    cwd = os.getcwd()
    os.makedirs(work_dir, exist_ok=True)
    os.chdir(work_dir)
    try:
        hook = BadCaseAnalysisHook(enable=True, out_dir='badcase', metric_type='loss',
                                   metric=ConfigDict(type='KeypointMSELoss'), badcase_thr=-1)
        hook.after_test_iter(runner, 1, {'data_samples': [sample] * 2}, [pred] * 2)
        out_dir = osp.join('work', '1', 'badcase')
        files = sorted(os.listdir(out_dir))
        import cv2
        image = cv2.imread(osp.join(out_dir, files[0]))
        photo = cv2.imread(sample.img_path)
        gt_x, gt_y = np.round(keypoints[0, 8] + BADCASE_OFFSET_PX).astype(int)
        pred_x, pred_y = np.round(keypoints[0, 8]).astype(int)
        colours = dict(gt_point_bgr=image[gt_y, gt_x].tolist(), pred_point_bgr=image[pred_y, pred_x].tolist(),
                       photo_gt_point_bgr=photo[gt_y, gt_x].tolist(), photo_pred_point_bgr=photo[pred_y, pred_x].tolist())
        hook.after_test_epoch(runner)
        with open(osp.join(out_dir, 'results.json')) as f:
            results = json.load(f)
    finally:
        os.chdir(cwd)
    return dict(files=files, out_dir=out_dir, test_index=hook._test_index, image_shape=list(image.shape),
                results=results, colours=colours)


def main(work_dir: str, out_file: str) -> None:
    from mmengine.registry import init_default_scope
    import mmpose.datasets  # noqa: F401 (registers)
    import mmpose.evaluation  # noqa: F401
    import mmpose.models  # noqa: F401
    from mmpose.datasets.transforms import RandomFlip
    from mmpose.evaluation import NME
    from mmpose.registry import DATASETS, MODELS
    from mmpose.structures import PoseDataSample
    init_default_scope('mmpose')
    ann_file = osp.join(DATA_DIR, 'test_wflw.json')
    result = dict(
        bbox_file_errors={name: raised(lambda: DATASETS.build(dict(
            type=name, ann_file=ann_file, bbox_file=ann_file, test_mode=False))) for name in FACE_DATASETS},
        random_flip_errors={'prob=None': raised(lambda: RandomFlip(prob=None)),
                            'direction=None': raised(lambda: RandomFlip(direction=None))},
        nme_errors=nme_errors(NME))
    metric = NME(norm_mode='keypoint_distance')
    metric.dataset_meta = dict(dataset_name='wflw', keypoint_id2name={k: str(k) for k in range(98)})
    metric.process([], nme_faces())
    result['nme_keys'] = sorted(metric.evaluate(2))
    result['head_heatmaps'] = head_heatmaps(MODELS, PoseDataSample)
    result['badcase'] = badcase(work_dir)
    with open(out_file, 'w') as f:
        json.dump(result, f, indent=1)


if __name__ == '__main__':
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
