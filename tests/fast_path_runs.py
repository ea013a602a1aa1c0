"""Short fast-path training runs shared by the tests of several parts (codecs, heads, the preprocessor)."""
import os.path as osp

from mmpose_face.apis import prepare_train_config

TINY_FAST_CONFIG = osp.join(osp.dirname(osp.abspath(__file__)), 'configs', 'td-reg_res18_tiny_fastpath_wflw-64x64.py')


def one_epoch_fast_path_config(tmp_path, codec, **cfg_options):
    """The tiny fast-path config (``tests/configs``) for one epoch under ``tmp_path``, without
    validation, its ``GenerateTarget`` encoding with ``codec`` (a config dict).

    ``cfg_options`` are set as ``--cfg-options`` would set them (dotted keys).
    """
    cfg = prepare_train_config(TINY_FAST_CONFIG, str(tmp_path / 'run'), cfg_options={
        'train_dataloader.dataset.cache_dir': str(tmp_path / 'cache'), 'train_cfg.max_epochs': 1, **cfg_options})
    for step in cfg.train_dataloader.dataset.dataset.pipeline:
        if step['type'] == 'GenerateTarget':
            step['encoder'] = codec
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.save_best = None
    return cfg
