"""Before a run: does the config name mmpose's scope, or a part this project does not have?

mmpose's own configs run here once their ``default_scope`` is ours; every
other name they use is registered here under mmpose's name. What is not
is reported at once, with the config's path and where the name is, instead
of a KeyError from deep inside the runner minutes later.
"""
from mmpose_face.errors import ConfigCompatibilityError
from mmpose_face.registry import (DATASETS, HOOKS, KEYPOINT_CODECS, METRICS, MODELS, TRANSFORMS,
                                  VISBACKENDS, VISUALIZERS, WEIGHT_INITIALIZERS)

SCOPE = 'mmpose_face'
# Other toolboxes' scopes that configs may name, provided by mmpose_face.registry
# (mmpose's RTMPose configs: ``mmdet.CSPNeXt``, ``dict(_scope_='mmdet', ...)``).
PROVIDED_SCOPES = ('mmdet', )
CODEC_KEYS = ('decoder', 'encoder', 'codec')


def _is_part(cfg) -> bool:
    return isinstance(cfg, dict) and isinstance(cfg.get('type'), str)


def _scoped_type(cfg) -> str:
    """The part's type with the scope it is built in: ``dict(_scope_='mmdet', type='CSPNeXt')``
    is looked up as ``'mmdet.CSPNeXt'``, as mmengine's build does."""
    scope = cfg.get('_scope_')
    return f'{scope}.{cfg["type"]}' if isinstance(scope, str) and '.' not in cfg['type'] else cfg['type']


def _model_parts(cfg, where):
    """(where, type, registry) of every part inside a model config."""
    if _is_part(cfg):
        yield where, _scoped_type(cfg), MODELS
    if isinstance(cfg, dict):
        for key, value in cfg.items():
            if key == 'init_cfg':  # initialisers (Kaiming, Pretrained ...), one or a list
                for i, item in enumerate(value if isinstance(value, (list, tuple)) else [value]):
                    if _is_part(item):
                        yield f'{where}.{key}' + (f'.{i}' if isinstance(value, (list, tuple)) else ''), \
                            item['type'], WEIGHT_INITIALIZERS
            elif key in CODEC_KEYS and _is_part(value):
                yield f'{where}.{key}', value['type'], KEYPOINT_CODECS
            elif isinstance(value, dict):
                yield from _model_parts(value, f'{where}.{key}')
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    yield from _model_parts(item, f'{where}.{key}.{i}')


def _pipeline_parts(pipeline, where):
    for i, step in enumerate(pipeline or []):
        if not _is_part(step):
            continue
        yield f'{where}.{i}', _scoped_type(step), TRANSFORMS
        if step['type'] == 'GenerateTarget' and _is_part(step.get('encoder')):
            yield f'{where}.{i}.encoder', step['encoder']['type'], KEYPOINT_CODECS
        if step['type'] != 'Albumentation':  # its transforms are albumentations' names
            nested = step.get('transforms')
            if isinstance(nested, (list, tuple)):
                flat = [t for group in nested for t in (group if isinstance(group, (list, tuple)) else [group])]
                yield from _pipeline_parts(flat, f'{where}.{i}.transforms')


def _dataset_parts(dataset, where):
    if not _is_part(dataset):
        return
    yield where, dataset['type'], DATASETS
    yield from _pipeline_parts(dataset.get('pipeline'), f'{where}.pipeline')
    if _is_part(dataset.get('dataset')):
        yield from _dataset_parts(dataset['dataset'], f'{where}.dataset')
    for i, inner in enumerate(dataset.get('datasets') or []):
        yield from _dataset_parts(inner, f'{where}.datasets.{i}')


def config_parts(cfg):
    """(where, type, registry) of every registered part the config names."""
    if cfg.get('model'):
        yield from _model_parts(cfg.model, 'model')
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if isinstance(loader, dict):
            yield from _dataset_parts(loader.get('dataset'), f'{split}_dataloader.dataset')
        evaluators = cfg.get(f'{split}_evaluator')
        for i, evaluator in enumerate(evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]):
            if _is_part(evaluator):
                yield f'{split}_evaluator' + (f'.{i}' if isinstance(evaluators, (list, tuple)) else ''), \
                    evaluator['type'], METRICS
    for name, hook in (cfg.get('default_hooks') or {}).items():
        if _is_part(hook):
            yield f'default_hooks.{name}', _scoped_type(hook), HOOKS
    for i, hook in enumerate(cfg.get('custom_hooks') or []):
        if _is_part(hook):
            yield f'custom_hooks.{i}', _scoped_type(hook), HOOKS
    visualizer = cfg.get('visualizer')
    if _is_part(visualizer):
        yield 'visualizer', visualizer['type'], VISUALIZERS
        for i, backend in enumerate(visualizer.get('vis_backends') or []):
            if _is_part(backend):
                yield f'visualizer.vis_backends.{i}', backend['type'], VISBACKENDS


def check_config_compatibility(cfg, config_path: str) -> None:
    """Raise :class:`ConfigCompatibilityError` (a KeyError) naming the config,
    the setting and what to change, for mmpose's scope or an unknown part."""
    scope = cfg.get('default_scope')
    if scope is not None and scope != SCOPE:
        raise ConfigCompatibilityError(
            f"{config_path}: default_scope={scope!r} names another toolbox's registries; this project's parts "
            f"(under mmpose's names) are in the {SCOPE!r} scope: set default_scope = '{SCOPE}' in the config "
            f"(for mmpose's configs: in _base_/default_runtime.py), or pass --cfg-options default_scope={SCOPE}")
    for where, part_type, registry in config_parts(cfg):
        part_scope = part_type.split('.', 1)[0] if '.' in part_type else SCOPE
        if part_scope != SCOPE and part_scope not in PROVIDED_SCOPES:
            raise ConfigCompatibilityError(
                f'{config_path}: {where} type={part_type!r} names another scope; use the name without '
                f'its prefix ({part_type.split(".", 1)[1]!r}) or one of this project\'s parts')
        if registry.get(part_type) is None:
            raise ConfigCompatibilityError(
                f'{config_path}: {where} type={part_type!r} is not a part of mmpose_face (no such '
                f'{registry.name} in the {part_scope!r} scope or mmengine/mmcv); replace it with a registered one '
                f'(docs/mmpose_compatibility.md lists the parts) or register your own')
