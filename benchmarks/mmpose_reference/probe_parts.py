"""One side of benchmarks/compare_parts_with_mmpose.py: build each part from a config dict,
feed it seeded inputs, record its outputs, the exception it raises and its repr.

    .venv-mmpose/bin/python benchmarks/mmpose_reference/probe_parts.py mmpose OUT.pkl
    .venv/bin/python        benchmarks/mmpose_reference/probe_parts.py mmpose_face OUT.pkl

The same file runs in both environments: only the registries differ
(``mmpose.registry`` or ``mmpose_face.registry``). Every case draws its
inputs from fixed seeds, so both sides see the same numbers.

OUT.pkl: {case name: {'part', 'arguments', 'repr', 'error': [exception class
names, most derived first] or None, 'outputs': {name: numpy array or str}}}.
"""
import copy
import json
import os
import os.path as osp
import pickle
import sys
import traceback
import warnings

os.environ.setdefault('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
warnings.filterwarnings('ignore')

import numpy as np  # noqa: E402
import torch  # noqa: E402

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DATA_DIR = osp.join(REPO_ROOT, 'tests', 'data')
WFLW_FLIP_INDICES = ([32 - k for k in range(33)] + [46, 45, 44, 43, 42, 50, 49, 48, 47, 37, 36, 35, 34, 33, 41,
                                                    40, 39, 38, 51, 52, 53, 54, 59, 58, 57, 56, 55, 72, 71, 70,
                                                    69, 68, 75, 74, 73, 64, 63, 62, 61, 60, 67, 66, 65, 82, 81,
                                                    80, 79, 78, 77, 76, 87, 86, 85, 84, 83, 92, 91, 90, 89, 88,
                                                    95, 94, 93, 97, 96])


class Side:
    """The registries and classes of one toolbox."""

    def __init__(self, scope: str):
        from mmengine.registry import init_default_scope
        self.scope = scope
        if scope == 'mmpose':
            import mmpose.codecs  # noqa: F401
            import mmpose.datasets  # noqa: F401
            import mmpose.models  # noqa: F401
            from mmpose.registry import KEYPOINT_CODECS, MODELS, TRANSFORMS
            from mmpose import structures
            from mmpose.structures import PoseDataSample
        else:
            import mmpose_face.codecs  # noqa: F401
            import mmpose_face.datasets  # noqa: F401
            import mmpose_face.models  # noqa: F401
            from mmpose_face.registry import KEYPOINT_CODECS, MODELS, TRANSFORMS
            from mmpose_face import structures
            from mmpose_face.structures import PoseDataSample
        init_default_scope(scope)
        self.registries = dict(model=MODELS, transform=TRANSFORMS, codec=KEYPOINT_CODECS)
        self.PoseDataSample = PoseDataSample
        self.structures = structures

    def build(self, kind, cfg):
        return self.registries[kind].build(copy.deepcopy(cfg))


def to_numpy(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(value)
    if isinstance(value, (tuple, list)) and value and all(isinstance(v, (torch.Tensor, np.ndarray)) for v in value):
        return [to_numpy(v) for v in value]
    if isinstance(value, (int, float, bool, str)) or value is None:
        return value
    return repr(value)


def face_sample(index=0):
    """One face of tests/data/test_wflw.json as a top-down results dict (both toolboxes' keys)."""
    with open(osp.join(DATA_DIR, 'test_wflw.json')) as f:
        coco = json.load(f)
    ann = coco['annotations'][index]
    image = [img for img in coco['images'] if img['id'] == ann['image_id']][0]
    x, y, w, h = ann['bbox']
    keypoints = np.asarray(ann['keypoints'], dtype=np.float32).reshape(1, -1, 3)
    return dict(img_path=osp.join(DATA_DIR, image['file_name']), img_id=ann['image_id'], id=ann['id'],
                bbox=np.array([[x, y, x + w, y + h]], dtype=np.float32), bbox_score=np.ones(1, dtype=np.float32),
                keypoints=keypoints[..., :2].copy(), keypoints_visible=np.minimum(1, keypoints[..., 2]),
                flip_indices=list(WFLW_FLIP_INDICES), category_id=1)


def small_resnet(**kwargs):
    """A narrow ResNet config (ResNet-18 unless ``depth`` is given)."""
    return dict(dict(type='ResNet', depth=18, base_channels=8, stem_channels=8), **kwargs)


# --------------------------------------------------------------------------- the cases
def model_forward(side, cfg, shape=(2, 3, 64, 64), train=False, init=True):
    torch.manual_seed(0)
    model = side.build('model', cfg)
    if init:
        model.init_weights()
    model.train(train)
    torch.manual_seed(1)
    x = torch.randn(*shape)
    with torch.no_grad():
        out = model(x)
    outputs = {f'out{i}': to_numpy(o) for i, o in enumerate(out if isinstance(out, (tuple, list)) else [out])}
    outputs['state_dict_keys'] = json.dumps(sorted(model.state_dict()))
    return model, outputs


def init_statistics(side, cfg):
    """Per-parameter mean and std after init_weights (seed 0), and the weights themselves."""
    torch.manual_seed(0)
    model = side.build('model', cfg)
    model.init_weights()
    outputs = {}
    for name, value in model.state_dict().items():
        value = value.float()
        outputs[f'{name}.mean'] = np.float64(value.mean())
        outputs[f'{name}.std'] = np.float64(value.std()) if value.numel() > 1 else np.float64(0)
        outputs[name] = value.numpy()
    return model, outputs


def one_training_step(side, cfg):
    torch.manual_seed(0)
    model = side.build('model', cfg)
    model.init_weights()
    model.train()
    optimizer = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    torch.manual_seed(1)
    x = torch.randn(2, 3, 32, 32, requires_grad=True)
    loss = sum(o.square().mean() for o in model(x))
    loss.backward()
    optimizer.step()
    outputs = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    outputs['input_grad'] = x.grad.numpy()
    outputs['trainable'] = json.dumps(sorted(n for n, p in model.named_parameters() if p.requires_grad))
    return model, outputs


def loss_case(side, cfg, weight_shape=None, with_weight=True):
    loss = side.build('model', cfg)
    generator = torch.Generator().manual_seed(0)
    output = torch.rand(3, 5, 2, generator=generator) * 20 - 10  # errors in each branch of the wing losses
    target = torch.rand(3, 5, 2, generator=generator) * 20 - 10
    weight = (torch.rand(*weight_shape, generator=generator) > 0.3).float() if weight_shape else None
    value = loss(output, target, weight) if with_weight else loss(output, target)
    return loss, {'loss': to_numpy(value)}


def head_loss(side, cfg):
    torch.manual_seed(0)
    head = side.build('model', cfg)
    head.init_weights()
    generator = torch.Generator().manual_seed(0)
    feats = (torch.randn(4, 16, generator=generator), )
    samples = []
    from mmengine.structures import InstanceData
    for _ in range(4):
        labels = torch.rand(1, 5, 2, generator=generator) * 0.1 + 0.45  # close to the initial outputs
        weights = (torch.rand(1, 5, generator=generator) > 0.3).float()
        sample = side.PoseDataSample()
        sample.gt_instance_labels = InstanceData(keypoint_labels=labels, keypoint_weights=weights)
        samples.append(sample)
    losses = head.loss(feats, samples)
    return head, {key: to_numpy(value) for key, value in sorted(losses.items())}


def neck_case(side, cfg, kind):
    neck = side.build('model', cfg)
    maps = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    inputs = {'tuple': (maps, maps[:, :2]), 'list': [maps], 'tensor': maps, 'array': maps.numpy()}[kind]
    out = neck(inputs)
    return neck, {'type': type(out).__name__, 'out': to_numpy(out if isinstance(out, torch.Tensor) else list(out))}


def preprocessor_case(side, cfg):
    preprocessor = side.build('model', cfg)
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.randint(0, 256, (3, 60, 40), generator=generator, dtype=torch.uint8),
              torch.randint(0, 256, (3, 64, 70), generator=generator, dtype=torch.uint8)]
    samples = [side.PoseDataSample(), side.PoseDataSample()]
    out = preprocessor(dict(inputs=inputs, data_samples=samples))
    return preprocessor, {'inputs': to_numpy(out['inputs']),
                          'pad_shape': json.dumps([s.pad_shape for s in out['data_samples']]),
                          'batch_input_shape': json.dumps([s.batch_input_shape for s in out['data_samples']])}


def data_sample_deleters(side, cfg):
    from mmengine.structures import InstanceData
    sample = side.PoseDataSample()
    present = []
    for name in ('gt_instances', 'pred_instances', 'gt_instance_labels'):
        setattr(sample, name, InstanceData(keypoints=np.zeros((1, 3, 2))))
        delattr(sample, name)
        present.append(name in sample)
    return None, {'present_after_delete': json.dumps(present)}


def structures_case(side, name, *args, **kwargs):
    out = getattr(side.structures, name)(*copy.deepcopy(args), **kwargs)
    return None, {f'out{i}': to_numpy(o) for i, o in enumerate(out if isinstance(out, tuple) else [out])}


def codec_case(side, cfg):
    codec = side.build('codec', cfg)
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(-10, 74, (2, 6, 2)).astype(np.float32)
    visible = (rng.random((2, 6)) > 0.2).astype(np.float32)
    encoded = codec.encode(keypoints, visible)
    decoded, scores = codec.decode(rng.random((2, 6, 2)).astype(np.float32))
    return codec, {**{k: to_numpy(v) for k, v in encoded.items()}, 'decoded': decoded, 'scores': scores}


def transform_case(side, cfg, steps=(), seed=0, loaded=True, results=None, copy_img_to=None, set_keys=None):
    """``steps`` (configs) prepare the dict; ``cfg`` is the part compared."""
    if results is None:
        results = face_sample()
    for step in ([dict(type='LoadImage')] if loaded else []) + list(steps):
        results = side.build('transform', step)(results)
    if copy_img_to:
        results[copy_img_to] = results['img'].copy()
    results.update(copy.deepcopy(set_keys or {}))
    transform = side.build('transform', cfg)
    np.random.seed(seed)
    out = transform(results)
    if out is None:
        return transform, {'result': 'None'}
    outputs = {}
    for key, value in sorted(out.items()):
        if key == 'data_samples':
            sample = value
            outputs['metainfo_keys'] = json.dumps(sorted(sample.metainfo))
            for field in ('gt_instances', 'gt_instance_labels'):
                if field in sample:
                    for name in sorted(getattr(sample, field).keys()):
                        outputs[f'{field}.{name}'] = to_numpy(getattr(getattr(sample, field), name))
        elif key in ('img', 'inputs', 'bbox', 'bbox_center', 'bbox_scale', 'bbox_rotation', 'keypoints',
                     'keypoints_visible', 'transformed_keypoints', 'keypoint_labels', 'keypoint_weights',
                     'input_center', 'input_scale', 'flip', 'flip_direction', 'img_shape', 'ori_shape',
                     'second_img'):
            outputs[key] = to_numpy(value) if not isinstance(value, tuple) else json.dumps(value)
    return transform, outputs


PREPARED = [dict(type='GetBBoxCenterScale')]
CROPPED = PREPARED + [dict(type='TopdownAffine', input_size=(64, 64))]
CODEC = dict(type='RegressionLabel', input_size=(64, 64))
HEAD = dict(type='RegressionHead', in_channels=16, num_joints=5, loss=dict(type='SmoothL1Loss', use_target_weight=True))


def cases():
    """name -> (part, arguments shown in the table, function(side) -> (part object, outputs))."""
    c = {}

    def add(name, part, arguments, run):
        c[name] = (part, arguments, run)

    # backbone: initialisation, arguments, errors
    add('ResNet init (default init_cfg)', 'ResNet', 'depth=18', lambda s: init_statistics(s, dict(type='ResNet', depth=18)))
    add('ResNet init_cfg=None', 'ResNet', 'init_cfg=None',
        lambda s: init_statistics(s, dict(type='ResNet', depth=18, init_cfg=None)))
    add('ResNet-50 init', 'ResNet', 'depth=50', lambda s: init_statistics(s, dict(type='ResNet', depth=50)))
    add('ResNetV1d init', 'ResNetV1d', 'depth=18, init_cfg=None',
        lambda s: init_statistics(s, dict(type='ResNetV1d', depth=18, init_cfg=None)))
    add('ResNet forward', 'ResNet', 'out_indices=(0, 1, 2, 3)',
        lambda s: model_forward(s, small_resnet(out_indices=(0, 1, 2, 3))))
    add('ResNet frozen_stages + norm_eval step', 'ResNet', 'frozen_stages=1, norm_eval=True, zero_init_residual=False',
        lambda s: one_training_step(s, small_resnet(frozen_stages=1, norm_eval=True, zero_init_residual=False)))
    add('ResNet with_cp step', 'ResNet', 'with_cp=True, zero_init_residual=False',
        lambda s: one_training_step(s, small_resnet(with_cp=True, zero_init_residual=False)))
    add('ResNet caffe style', 'ResNet', "depth=50, style='caffe'",
        lambda s: model_forward(s, small_resnet(depth=50, style='caffe'), train=True))
    add('ResNet strides/dilations/num_stages', 'ResNet',
        'num_stages=3, strides=(1, 2, 1), dilations=(1, 1, 2), out_indices=(1, 2)',
        lambda s: model_forward(s, small_resnet(num_stages=3, strides=(1, 2, 1), dilations=(1, 1, 2),
                                                out_indices=(1, 2))))
    add('ResNet deep_stem + avg_down', 'ResNet', 'depth=50, deep_stem=True, avg_down=True',
        lambda s: model_forward(s, small_resnet(depth=50, deep_stem=True, avg_down=True)))
    add('ResNetV1d forward', 'ResNetV1d', 'depth=18', lambda s: model_forward(s, dict(type='ResNetV1d', depth=18)))
    add('ResNet channels', 'ResNet', 'in_channels=1, stem_channels=16, base_channels=4, expansion=2',
        lambda s: model_forward(s, dict(type='ResNet', depth=50, in_channels=1, stem_channels=16, base_channels=4,
                                        expansion=2), shape=(2, 1, 64, 64)))
    add('ResNet GN', 'ResNet', "norm_cfg=dict(type='GN', num_groups=4)",
        lambda s: model_forward(s, small_resnet(norm_cfg=dict(type='GN', num_groups=4))))
    for name, args in [('depth=42', dict(depth=42)), ('num_stages=5', dict(num_stages=5)),
                       ('out_indices=(4,)', dict(out_indices=(4, ))), ("style='x' (Bottleneck)", dict(depth=50, style='x')),
                       ('expansion=2.0', dict(depth=50, expansion=2.0))]:
        arguments = dict(type='ResNet', depth=18)
        arguments.update(args)
        add(f'ResNet error {name}', 'ResNet', name, lambda s, a=arguments: (s.build('model', a), {}))
    # neck, head, preprocessor, data sample
    for kind in ('tuple', 'list', 'tensor', 'array'):
        add(f'GlobalAveragePooling {kind}', 'GlobalAveragePooling', f'a {kind} input',
            lambda s, k=kind: neck_case(s, dict(type='GlobalAveragePooling'), k))
    add('RegressionHead loss + acc_pose', 'RegressionHead', 'SmoothL1Loss, use_target_weight', lambda s: head_loss(s, HEAD))
    add('PoseDataPreprocessor pad_shape', 'PoseDataPreprocessor', 'pad_size_divisor=32, bgr_to_rgb=True',
        lambda s: preprocessor_case(s, dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                            std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_size_divisor=32)))
    add('PoseDataSample deleters', 'PoseDataSample', 'del gt_instances ...', lambda s: data_sample_deleters(s, None))
    # losses
    for loss in ('SmoothL1Loss', 'L1Loss', 'MSELoss', 'WingLoss', 'SoftWingLoss'):
        for shape in ((3, 5, 1), (3, 5, 2)):
            add(f'{loss} weights {shape}', loss, f'use_target_weight=True, target_weight {shape}',
                lambda s, l=loss, sh=shape: loss_case(s, dict(type=l, use_target_weight=True), sh))
        add(f'{loss} unweighted', loss, 'loss_weight=2.0', lambda s, l=loss: loss_case(s, dict(type=l, loss_weight=2.0)))
        add(f'{loss} error: no weight', loss, 'use_target_weight=True, no target_weight',
            lambda s, l=loss: loss_case(s, dict(type=l, use_target_weight=True), with_weight=False))
    for loss in ('SmoothL1Loss', 'L1Loss'):
        add(f'{loss} weights (3, 5)', loss, 'target_weight (N, K)',
            lambda s, l=loss: loss_case(s, dict(type=l, use_target_weight=True), (3, 5)))
    for reduction in ('sum', 'none'):
        add(f'L1Loss reduction={reduction}', 'L1Loss', f"reduction='{reduction}'",
            lambda s, r=reduction: loss_case(s, dict(type='L1Loss', reduction=r)))
    add("L1Loss error reduction='max'", 'L1Loss', "reduction='max'",
        lambda s: loss_case(s, dict(type='L1Loss', reduction='max')))
    # structures helpers
    boxes = np.array([[10., 20., 110., 170.], [5., 5., 45., 85.]])
    for args, label in [((boxes, ), '(N, 4) float64'), ((boxes[0], ), '(4,)'), ((boxes.astype(np.float32), 1.25), 'float32, padding=1.25')]:
        add(f'bbox_xyxy2cs {label}', 'bbox_xyxy2cs', label, lambda s, a=args: structures_case(s, 'bbox_xyxy2cs', *a))
        add(f'bbox_xywh2cs {label}', 'bbox_xywh2cs', label, lambda s, a=args: structures_case(s, 'bbox_xywh2cs', *a))
    add('bbox_cs2xyxy', 'bbox_cs2xyxy', 'padding=1.25',
        lambda s: structures_case(s, 'bbox_cs2xyxy', np.array([[60., 95.]]), np.array([[125., 187.5]]), padding=1.25))
    add('bbox_xywh2xyxy', 'bbox_xywh2xyxy', '(N, 4)', lambda s: structures_case(s, 'bbox_xywh2xyxy', boxes))
    add('bbox_xyxy2xywh', 'bbox_xyxy2xywh', '(N, 4)', lambda s: structures_case(s, 'bbox_xyxy2xywh', boxes))
    rng_points = np.random.default_rng(0).uniform(0, 100, (2, 98, 2))
    for direction in ('horizontal', 'vertical', 'diagonal'):
        add(f'flip_keypoints {direction}', 'flip_keypoints', f"direction='{direction}'",
            lambda s, d=direction: structures_case(s, 'flip_keypoints', rng_points, np.ones((2, 98)), (120, 90),
                                                   WFLW_FLIP_INDICES, direction=d))
    add('get_warp_matrix', 'get_warp_matrix', 'center, scale, rot=30, output_size=(64, 64)',
        lambda s: structures_case(s, 'get_warp_matrix', np.array([60., 95.]), np.array([150., 150.]), 30., (64, 64)))
    # codec
    add('RegressionLabel encode/decode', 'RegressionLabel', 'input_size=(64, 64)', lambda s: codec_case(s, CODEC))
    # transforms
    add('LoadImage', 'LoadImage', 'defaults', lambda s: transform_case(s, dict(type='LoadImage'), loaded=False))
    add('LoadImage to_float32', 'LoadImage', 'to_float32=True',
        lambda s: transform_case(s, dict(type='LoadImage', to_float32=True), loaded=False))
    add('LoadImage grayscale', 'LoadImage', "color_type='grayscale'",
        lambda s: transform_case(s, dict(type='LoadImage', color_type='grayscale'), loaded=False))
    add('LoadImage pillow', 'LoadImage', "imdecode_backend='pillow', backend_args=dict(backend='local')",
        lambda s: transform_case(s, dict(type='LoadImage', imdecode_backend='pillow',
                                         backend_args=dict(backend='local')), loaded=False))
    add('LoadImage ignore_empty', 'LoadImage', 'ignore_empty=True, missing file',
        lambda s: transform_case(s, dict(type='LoadImage', ignore_empty=True), loaded=False,
                                 results=dict(img_path='/nonexistent/face.jpg')))
    add('LoadImage error: missing file', 'LoadImage', 'missing file',
        lambda s: transform_case(s, dict(type='LoadImage'), loaded=False, results=dict(img_path='/nonexistent/face.jpg')))
    add('GetBBoxCenterScale', 'GetBBoxCenterScale', 'padding=1.25',
        lambda s: transform_case(s, dict(type='GetBBoxCenterScale', padding=1.25)))
    add('RandomFlip prob=1.0', 'RandomFlip', "prob=1.0, direction='horizontal'",
        lambda s: transform_case(s, dict(type='RandomFlip', prob=1.0), PREPARED))
    add('RandomFlip list prob', 'RandomFlip', "prob=[0.5], direction=['horizontal']",
        lambda s: transform_case(s, dict(type='RandomFlip', prob=[0.5], direction=['horizontal']), PREPARED, seed=3))
    for prob in ('None', '2.0', '1'):
        add(f'RandomFlip error prob={prob}', 'RandomFlip', f'prob={prob}',
            lambda s, p=eval(prob): (s.build('transform', dict(type='RandomFlip', prob=p)), {}))
    add('RandomBBoxTransform (mmpose test arguments)', 'RandomBBoxTransform',
        'shift_factor=0.16, shift_prob=1.0, scale_prob=0.0, rotate_prob=0.0',
        lambda s: transform_case(s, dict(type='RandomBBoxTransform', shift_factor=0.16, shift_prob=1.0, scale_prob=0.0,
                                         rotate_prob=0.0), PREPARED))
    add('RandomBBoxTransform (WFLW config)', 'RandomBBoxTransform', 'scale_factor=[0.75, 1.25], rotate_factor=60',
        lambda s: transform_case(s, dict(type='RandomBBoxTransform', scale_factor=[0.75, 1.25], rotate_factor=60),
                                 PREPARED, seed=5))
    add('TopdownAffine', 'TopdownAffine', 'input_size=(64, 64), a box turned by 30 degrees',
        lambda s: transform_case(s, dict(type='TopdownAffine', input_size=(64, 64)), PREPARED,
                                 set_keys=dict(bbox_rotation=np.array([30.], dtype=np.float32))))
    add('TopdownAffine error input_size=(64,)', 'TopdownAffine', 'input_size=(64,)',
        lambda s: (s.build('transform', dict(type='TopdownAffine', input_size=(64, ))), {}))
    add('GenerateTarget', 'GenerateTarget', 'encoder=RegressionLabel',
        lambda s: transform_case(s, dict(type='GenerateTarget', encoder=CODEC), CROPPED))
    add('PackPoseInputs', 'PackPoseInputs', "meta_keys=('id', 'img_path', 'input_size', 'flip'), pack_transformed=True",
        lambda s: transform_case(s, dict(type='PackPoseInputs', meta_keys=('id', 'img_path', 'input_size', 'flip'),
                                         pack_transformed=True),
                                 CROPPED + [dict(type='GenerateTarget', encoder=CODEC)]))
    for seed in (0, 1, 2, 3):
        add(f'PhotometricDistortion seed {seed}', 'PhotometricDistortion', 'defaults',
            lambda s, sd=seed: transform_case(s, dict(type='PhotometricDistortion'), CROPPED, seed=sd))
    add('mmcv RandomApply', 'RandomApply (mmcv)', "transforms=[RandomFlip(prob=1.0)], prob=0.5",
        lambda s: transform_case(s, dict(type='RandomApply', transforms=[dict(type='RandomFlip', prob=1.0)], prob=0.5),
                                 PREPARED, seed=4))
    add('mmcv KeyMapper', 'KeyMapper (mmcv)', "mapping={'img': 'second_img'}, PhotometricDistortion",
        lambda s: transform_case(s, dict(type='KeyMapper', mapping={'img': 'second_img'}, auto_remap=True,
                                         transforms=[dict(type='PhotometricDistortion')]),
                                 CROPPED, seed=1, copy_img_to='second_img'))
    return c


def run_case(side, run):
    result = dict(repr=None, error=None, outputs={})
    try:
        part, outputs = run(side)
        result['outputs'] = outputs
        has_repr = part is not None and type(part).__repr__ is not object.__repr__
        result['repr'] = repr(part) if has_repr and not isinstance(part, torch.nn.Module) else None
    except Exception as error:  # recorded: the comparison checks the exception types
        result['error'] = [cls.__name__ for cls in type(error).__mro__]
        result['message'] = str(error)[:300]
        result['traceback'] = traceback.format_exc()[-1500:]
    return result


def main():
    scope, out_file = sys.argv[1], sys.argv[2]
    only = sys.argv[3:]
    side = Side(scope)
    results = {}
    for name, (part, arguments, run) in cases().items():
        if only and name not in only:
            continue
        results[name] = dict(part=part, arguments=arguments, **run_case(side, run))
    with open(out_file, 'wb') as f:
        pickle.dump(results, f)


if __name__ == '__main__':
    main()
