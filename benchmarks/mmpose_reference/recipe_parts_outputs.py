"""Outputs of RTMPose's recipe parts for fixed seeds and inputs, in either toolbox (JSON on stdout).

    python benchmarks/mmpose_reference/recipe_parts_outputs.py mmpose|mmpose_face

Run from the repository root, with .venv-mmpose's python for ``mmpose``
(mmpose 1.3.2, mmdet 3.3.0): both must print the same JSON
(tests/test_datasets/test_recipe_parts_match_mmpose.py). Parts:
``YOLOXHSVRandomAug`` (mmdet), ``RandomHalfBody``, ``KeypointConverter``,
``CombinedDataset`` over the sample WFLW file converted to LaPa's 106 points
with Face6's train pipeline (Albumentation left out: the reference env has
no albumentations; RegressionLabel stands in for the SimCC codec), and
``ExpMomentumEMA`` over a fixed parameter sequence.
"""
import contextlib
import hashlib
import json
import os.path as osp
import sys
import warnings

import cv2
import numpy as np
import torch

warnings.filterwarnings('ignore')
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
IMAGE = osp.join(REPO, 'tests', 'data', '7_Cheering_Cheering_7_16.jpg')
# mmpose's Face6 configs' WFLW -> 106 mapping and 300W (68) -> 106 mapping, with its pairs averaged
MAPPING_WFLW = [(i, i) for i in range(55)] + [(55 + i, 58 + i) for i in range(5)] + \
    [(60 + i, 66 + i) for i in range(8)] + [(68 + i, 75 + i) for i in range(8)] + \
    [(76 + i, 84 + i) for i in range(20)] + [(96, 104), (97, 105)]
KPT_68_TO_106 = [(i, 2 * i) for i in range(17)] + [(17 + i, 33 + i) for i in range(5)] + \
    [(22 + i, 42 + i) for i in range(5)] + [(27 + i, 51 + i) for i in range(4)] + \
    [(31 + i, 58 + i) for i in range(5)] + [(36, 66), (39, 70), ((37, 38), 68), ((40, 41), 72), (42, 75), (45, 79),
                                            ((43, 44), 77), ((46, 47), 81)] + [(48 + i, 84 + i) for i in range(20)]


def digest(array) -> str:
    return hashlib.sha1(np.ascontiguousarray(array).tobytes()).hexdigest()


def as_json(value):
    if isinstance(value, np.ndarray):
        return [str(value.dtype), list(value.shape), np.round(value.astype(np.float64), 6).tolist()]
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    return value


def parts(toolbox: str):
    if toolbox == 'mmpose':
        from mmdet.datasets.transforms import YOLOXHSVRandomAug
        from mmpose.datasets.transforms import KeypointConverter, RandomHalfBody
        from mmpose.engine.hooks import ExpMomentumEMA
    else:
        from mmpose_face.datasets.transforms import KeypointConverter, RandomHalfBody, YOLOXHSVRandomAug
        from mmpose_face.models.utils import ExpMomentumEMA
    return YOLOXHSVRandomAug, RandomHalfBody, KeypointConverter, ExpMomentumEMA


def hsv_outputs(YOLOXHSVRandomAug) -> list:
    crop = cv2.resize(cv2.imread(IMAGE), (48, 40))
    out = []
    for seed, deltas in enumerate([(5, 30, 30), (5, 30, 30), (20, 80, 80), (90, 255, 255), (0, 0, 0)]):
        np.random.seed(seed)
        results = YOLOXHSVRandomAug(*deltas).transform(dict(img=crop.copy()))
        out.append([digest(results['img']), results['img'].dtype.str, int(results['img'].sum())])
    return out


def half_body_outputs(RandomHalfBody) -> list:
    rng = np.random.RandomState(0)
    keypoints = rng.uniform(0, 200, (2, 106, 2)).astype(np.float32)
    visible = (rng.rand(2, 106) > 0.1).astype(np.float32)
    visible[1, :100] = 0  # too few visible points: no draw for that instance
    out = []
    for upper, lower, weights_channel in (([], [], False), (list(range(0, 50)), list(range(50, 106)), False),
                                          (list(range(0, 50)), list(range(50, 106)), True),
                                          (list(range(0, 3)), list(range(50, 106)), False)):
        np.random.seed(11)
        transform = RandomHalfBody(prob=0.6)
        for _ in range(20):
            vis = np.stack([visible, np.ones_like(visible)], axis=2) if weights_channel else visible
            results = transform.transform(dict(
                keypoints=keypoints, keypoints_visible=vis, upper_body_ids=upper, lower_body_ids=lower,
                bbox_center=np.array([[100., 90.], [50., 60.]], np.float32),
                bbox_scale=np.array([[120., 130.], [40., 40.]], np.float32)))
            out.append([as_json(results['bbox_center']), as_json(results['bbox_scale'])])
        out.append(float(np.random.rand()))  # what the draws left in numpy's generator
    return out


def converter_outputs(KeypointConverter) -> list:
    rng = np.random.RandomState(1)
    out = []
    for num_source, mapping, flip_size in ((98, MAPPING_WFLW, 98), (68, KPT_68_TO_106, 68), (68, KPT_68_TO_106, 0)):
        keypoints = rng.uniform(0, 100, (2, num_source, 2)).astype(np.float32)
        visible = rng.randint(0, 3, (2, num_source)).astype(np.float32)
        results = dict(keypoints=keypoints, keypoints_visible=visible)
        if flip_size:
            results['flip_indices'] = list(rng.permutation(flip_size))
        results = KeypointConverter(num_keypoints=106, mapping=mapping).transform(results)
        flip = results['flip_indices']
        out.append([as_json(results['keypoints']), as_json(results['keypoints_visible']),
                    None if flip is None else [int(i) for i in flip]])
    return out


def combined_outputs(toolbox: str) -> list:
    if toolbox == 'mmpose':
        import mmpose
        from mmengine.registry import init_default_scope
        from mmpose.registry import DATASETS
        init_default_scope('mmpose')
        lapa = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_', 'datasets', 'lapa.py')
    else:
        from mmengine.registry import init_default_scope
        from mmpose_face.registry import DATASETS
        init_default_scope('mmpose_face')
        lapa = 'configs/_base_/datasets/lapa.py'  # as the Face6 configs write it
    codec = dict(type='RegressionLabel', input_size=(64, 64))
    pipeline = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'), dict(type='RandomFlip', direction='horizontal'),
                dict(type='RandomHalfBody'), dict(type='RandomBBoxTransform', scale_factor=[0.5, 1.5], rotate_factor=80),
                dict(type='TopdownAffine', input_size=(64, 64)), dict(type='mmdet.YOLOXHSVRandomAug'),
                dict(type='GenerateTarget', encoder=codec, use_dataset_keypoint_weights=True)]
    wflw = dict(type='WFLWDataset', data_root=osp.join(REPO, 'tests', 'data'), data_mode='topdown',
                ann_file='test_wflw.json', data_prefix=dict(img=''),
                pipeline=[dict(type='KeypointConverter', num_keypoints=106, mapping=MAPPING_WFLW)])
    out = []
    for factor in (None, [2.5, 0.5]):
        dataset = DATASETS.build(dict(type='CombinedDataset', metainfo=dict(from_file=lapa), datasets=[wflw, wflw],
                                      pipeline=pipeline, sample_ratio_factor=factor, test_mode=False))
        out.append([len(dataset), dataset.lens, dataset.metainfo['num_keypoints'],
                    [int(i) for i in dataset.metainfo['flip_indices']]])
        np.random.seed(5)
        for index in range(len(dataset)):
            item = dataset[index]
            out.append([item['img_id'], item['img'].astype(int).tolist(), as_json(item['keypoint_labels']),
                        as_json(item['keypoint_weights']), as_json(item['keypoints_visible']),
                        as_json(item['keypoints_visible_weights']), as_json(item['bbox_center']),
                        as_json(item['bbox_scale']), [int(i) for i in item['flip_indices']],
                        as_json(item['dataset_keypoint_weights']), item['upper_body_ids'], item['flip']])
    return out


def ema_outputs(ExpMomentumEMA) -> list:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    out = []
    for gamma, update_buffers in ((2000, True), (10, False)):
        ema = ExpMomentumEMA(model, momentum=0.0002, gamma=gamma, update_buffers=update_buffers)
        for step in range(25):
            with torch.no_grad():
                for param in model.parameters():
                    param.add_(torch.randn_like(param))
                model[1].running_mean.add_(torch.randn(4))
            ema.update_parameters(model)
        out.append({name: np.round(value.double().numpy(), 10).tolist()
                    for name, value in ema.module.state_dict().items() if value.dtype.is_floating_point})
    return out


def main(toolbox: str) -> dict:
    YOLOXHSVRandomAug, RandomHalfBody, KeypointConverter, ExpMomentumEMA = parts(toolbox)
    return dict(hsv=hsv_outputs(YOLOXHSVRandomAug), half_body=half_body_outputs(RandomHalfBody),
                converter=converter_outputs(KeypointConverter), combined=combined_outputs(toolbox),
                ema=ema_outputs(ExpMomentumEMA))


if __name__ == '__main__':
    with contextlib.redirect_stdout(sys.stderr):  # pycocotools prints while loading
        outputs = main(sys.argv[1])
    print(json.dumps(outputs))
