"""Registries of mmpose_face: children of mmengine's, under the scope ``mmpose_face``.

A config names a part by ``type``; the runner looks it up here first (the
configs set ``default_scope='mmpose_face'``) and falls back to mmengine's
root registries (optimizers, schedulers, runner hooks, loops). ``locations``
tells mmengine which modules to import so that the parts are registered.
"""
import importlib.util
import os.path as osp

from mmengine import registry as mmengine_registry
from mmengine.registry import Registry

MODELS = Registry('model', parent=mmengine_registry.MODELS,
                  locations=['mmpose_face.models', 'mmpose_face.fast_path'])
DATASETS = Registry('dataset', parent=mmengine_registry.DATASETS,
                    locations=['mmpose_face.datasets', 'mmpose_face.fast_path'])
DATA_SAMPLERS = Registry('data sampler', parent=mmengine_registry.DATA_SAMPLERS, locations=['mmpose_face.fast_path'])
TRANSFORMS = Registry('transform', parent=mmengine_registry.TRANSFORMS, locations=['mmpose_face.datasets.transforms'])
METRICS = Registry('metric', parent=mmengine_registry.METRICS, locations=['mmpose_face.evaluation'])
HOOKS = Registry('hook', parent=mmengine_registry.HOOKS, locations=['mmpose_face.engine'])
VISUALIZERS = Registry('visualizer', parent=mmengine_registry.VISUALIZERS, locations=['mmpose_face.visualization'])
VISBACKENDS = Registry('vis_backend', parent=mmengine_registry.VISBACKENDS, locations=['mmpose_face.visualization'])
# The engine's own parts (optimizers, schedulers, loops ...) come from mmengine;
# these children only make the scope known to each registry tree.
RUNNERS = Registry('runner', parent=mmengine_registry.RUNNERS)
RUNNER_CONSTRUCTORS = Registry('runner constructor', parent=mmengine_registry.RUNNER_CONSTRUCTORS)
LOOPS = Registry('loop', parent=mmengine_registry.LOOPS, locations=['mmpose_face.fast_path'])
OPTIMIZERS = Registry('optimizer', parent=mmengine_registry.OPTIMIZERS)
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=mmengine_registry.OPTIM_WRAPPERS)
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=mmengine_registry.OPTIM_WRAPPER_CONSTRUCTORS)
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=mmengine_registry.PARAM_SCHEDULERS)
EVALUATOR = Registry('evaluator', parent=mmengine_registry.EVALUATOR)
LOG_PROCESSORS = Registry('log_processor', parent=mmengine_registry.LOG_PROCESSORS)
WEIGHT_INITIALIZERS = Registry('weight initializer', parent=mmengine_registry.WEIGHT_INITIALIZERS)
MODEL_WRAPPERS = Registry('model_wrapper', parent=mmengine_registry.MODEL_WRAPPERS)
FUNCTIONS = Registry('function', parent=mmengine_registry.FUNCTIONS, locations=['mmpose_face.fast_path'])
# Codecs are our own concept (target encoding / prediction decoding), so a root registry.
KEYPOINT_CODECS = Registry('keypoint codec', locations=['mmpose_face.codecs'])

# mmpose's RTMPose configs name detection parts in mmdet's scope (``mmdet.CSPNeXt``,
# ``mmdet.YOLOXHSVRandomAug``, ``mmdet.PipelineSwitchHook``, ``_scope_='mmdet'``). Without
# mmdet, these children of mmengine's registries give that scope; they hold only the parts
# we write (equal to mmdet 3.3.0's: benchmarks/compare_cspnext_with_mmdet.py).
# With a real mmdet installed, the scope is mmdet's: mmengine would add mmdet's own
# registries as children in scope 'mmdet' as soon as anything imports ``mmdet.registry``, and
# a second child in one scope is an AssertionError. So then these registries stay out of the
# tree (our parts register there, unused by configs), and ``mmdet.*`` builds mmdet's classes.
# Whether mmdet is installed is looked up, not imported (importing us runs no mmdet code).
def real_mmdet_installed() -> bool:
    """Whether an mmdet package with its ``registry`` module is installed (found, not imported)."""
    spec = importlib.util.find_spec('mmdet')
    return spec is not None and any(osp.isfile(osp.join(folder, 'registry.py'))
                                    for folder in (spec.submodule_search_locations or ()))


def _mmdet_scope(name: str, mmengine_parent: Registry, location: str) -> Registry:
    if real_mmdet_installed():
        return Registry(name, scope='mmdet', locations=[location])
    return Registry(name, parent=mmengine_parent, scope='mmdet', locations=[location])


MMDET_MODELS = _mmdet_scope('model', mmengine_registry.MODELS, 'mmpose_face.models')
MMDET_TRANSFORMS = _mmdet_scope('transform', mmengine_registry.TRANSFORMS, 'mmpose_face.datasets.transforms')
MMDET_HOOKS = _mmdet_scope('hook', mmengine_registry.HOOKS, 'mmpose_face.engine')
