"""Turning command-line choices into the runner config (what tools/train.py and
tools/test.py do, callable from Python)."""
import inspect
import os
import os.path as osp

import torch
from mmengine.config import Config

from mmpose_face import compat
from mmpose_face.apis.cli import check_cfg_option_types
from mmpose_face.apis.config_compatibility import check_config_compatibility
from mmpose_face.apis.dataloader_settings import fit_dataloaders_to_machine
from mmpose_face.errors import UserInputKeyError, UserInputRuntimeError
from mmpose_face.installation import find_config
from mmpose_face.registry import METRICS


def _load_config(config_path: str, cfg_options: dict = None) -> Config:
    """The config with ``--cfg-options`` merged, each option's value checked against the
    kind of value it replaces (before anything runs)."""
    cfg = compat.config_fromfile(config_path)  # inside the fixes: mmpose_face:: bases
    if cfg_options:
        check_cfg_option_types(cfg, cfg_options, config_path)
        cfg.merge_from_dict(cfg_options)
    check_config_compatibility(cfg, config_path)
    return cfg


def _work_dir(cfg: Config, config_path: str, work_dir: str = None) -> str:
    if work_dir:
        return work_dir
    if cfg.get('work_dir'):
        return cfg.work_dir
    return osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def _metric_arguments(evaluator: dict) -> set:
    """The constructor arguments of the evaluator's metric class (none if unknown here)."""
    metric_class = METRICS.get(evaluator.get('type')) if isinstance(evaluator.get('type'), str) else None
    return set(inspect.signature(metric_class).parameters) if metric_class else set()


def _distributed_on_cpu(cfg: Config, launcher: str) -> None:
    cfg.launcher = launcher
    if launcher != 'none' and not torch.cuda.is_available():
        cfg.model_wrapper_cfg = compat.cpu_model_wrapper_cfg()
        cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'


def prepare_train_config(config_path: str, work_dir: str = None, resume=None, amp: bool = False,
                         no_validate: bool = False, auto_scale_lr: bool = False,
                         launcher: str = 'none', cfg_options: dict = None) -> Config:
    """Load a config (a path or a shipped config's name) and apply ``tools/train.py``'s options.

    ``resume``: ``None`` (no), ``'auto'`` (latest checkpoint in the work dir)
    or a checkpoint path.
    """
    config_path = find_config(config_path)  # a path, or a shipped config's name
    cfg = _load_config(config_path, cfg_options)
    cfg.work_dir = _work_dir(cfg, config_path, work_dir)
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume:
        cfg.resume, cfg.load_from = True, resume
    if amp:
        if not torch.cuda.is_available():
            # mmengine's AmpOptimWrapper asserts CUDA (float16 autocast with loss scaling)
            raise UserInputRuntimeError('--amp needs a CUDA GPU (mmengine\'s AmpOptimWrapper); this machine '
                                        'has none, so train without --amp (full float32 precision)')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
        if (cfg.default_hooks.get('checkpoint') or {}).get('save_best'):  # None: no checkpoints
            cfg.default_hooks.checkpoint.save_best = None
    if auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise UserInputKeyError(
                f'{config_path}: --auto-scale-lr needs auto_scale_lr.base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    _distributed_on_cpu(cfg, launcher)
    fit_dataloaders_to_machine(cfg, config_path)
    if (cfg.get('randomness') or {}).get('deterministic'):
        # torch.use_deterministic_algorithms (which mmengine turns on) refuses cuBLAS
        # matrix products on CUDA unless cuBLAS uses a fixed workspace
        os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
    return cfg


def prepare_test_config(config_path: str, work_dir: str = None, dump: str = None,
                        show_dir: str = None, launcher: str = 'none',
                        cfg_options: dict = None, badcase: bool = False) -> Config:
    """Load a config and apply ``tools/test.py``'s options: each evaluator whose
    metric takes ``output_dir`` / ``dump_file`` writes its curves into the work
    dir and, with ``dump``, per-face predictions; ``badcase`` enables the
    config's ``default_hooks.badcase`` (its metric defaulting to the model's
    loss, or the test evaluator for 'accuracy')."""
    config_path = find_config(config_path)  # a path, or a shipped config's name
    cfg = _load_config(config_path, cfg_options)
    if badcase:
        _enable_badcase_analysis(cfg, config_path)
    cfg.work_dir = _work_dir(cfg, config_path, work_dir)
    cfg.load_from = None  # the tool loads the checkpoint itself, strictly
    evaluators = cfg.test_evaluator if isinstance(cfg.test_evaluator, list) else [cfg.test_evaluator]
    for evaluator in evaluators:  # every metric that can write curves and per-face dumps
        arguments = _metric_arguments(evaluator)
        if 'output_dir' in arguments:
            evaluator.setdefault('output_dir', cfg.work_dir)
        if dump and 'dump_file' in arguments:
            evaluator.dump_file = dump
    if show_dir:
        visualization = cfg.default_hooks.setdefault('visualization', dict(type='PoseVisualizationHook'))
        visualization.enable = True
        visualization.out_dir = show_dir
        visualization.interval = 1
    _distributed_on_cpu(cfg, launcher)
    fit_dataloaders_to_machine(cfg, config_path)
    os.makedirs(cfg.work_dir, exist_ok=True)
    return cfg


def _enable_badcase_analysis(cfg: Config, config_path: str) -> None:
    """``tools/test.py --badcase``, as mmpose's tool sets it up."""
    hook = (cfg.get('default_hooks') or {}).get('badcase')
    if not hook:
        raise UserInputKeyError(f"{config_path}: --badcase needs default_hooks.badcase = dict(type='BadCaseAnalysisHook', "
                                "out_dir='badcase') in the config")
    hook.enable = True
    metric_type = hook.get('metric_type', 'loss')
    if metric_type not in ('loss', 'accuracy'):
        raise ValueError(f"{config_path}: default_hooks.badcase.metric_type must be 'loss' or 'accuracy', "
                         f'got {metric_type!r}')
    if not hook.get('metric'):
        hook.metric = cfg.model.head.loss if metric_type == 'loss' else cfg.test_evaluator


def build_runner(cfg: Config, trusted: bool = None, skip_hash_check: bool = None):
    """The runner a config asks for: ``runner_type`` from the registry (as
    mmpose's tools do), else mmengine's :class:`~mmengine.runner.Runner`.

    It is built, and its ``train`` / ``val`` / ``test`` run, inside
    :func:`mmpose_face.compat.mmengine_fixes`, whose checkpoint loaders get
    ``trusted`` and ``skip_hash_check`` (``--trust-checkpoint``,
    ``--skip-hash-check``; ``None``: the environment opt-ins decide).
    """
    from mmengine.runner import Runner

    import mmpose_face.engine  # noqa: F401  (registers QuietConsoleRunner)
    from mmpose_face.registry import RUNNERS
    with compat.mmengine_fixes(trusted, skip_hash_check):
        runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    return compat.runner_with_fixes(runner, trusted, skip_hash_check)
