"""Python API with mmpose 1.x's calling convention: build a model, predict faces.

``inference_topdown`` is the prediction core (:mod:`~mmpose_face.apis.predictor`)
with its ``'published'`` backend: mmpose's path, bit-identical to mmpose.
"""
import warnings
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import init_default_scope

from mmpose_face import compat
from mmpose_face.engine.checkpoint_loading import load_checkpoint
from mmpose_face.errors import UserInputTypeError
from mmpose_face.registry import MODELS
from .predictor import LandmarkPredictor, dataset_meta_from_config, prepare_face_crops  # noqa: F401 (API)


_COMPARED_META = ('num_keypoints', 'flip_indices', 'keypoint_id2name')


def saved_meta_fits(saved_meta, config_meta: dict, checkpoint: str) -> bool:
    """Whether the ``dataset_meta`` saved in a checkpoint describes the config's keypoints
    (``num_keypoints``, ``flip_indices``, names). One that does not (68 keypoints for a
    98-point head, another flip table) is said once, naming the file and what differs."""
    if not isinstance(saved_meta, dict) or 'flip_indices' not in saved_meta:
        return False
    differing = [key for key in _COMPARED_META
                 if key in saved_meta and key in config_meta and _plain(saved_meta[key]) != _plain(config_meta[key])]
    if differing:
        shown = ', '.join(f'{key} {_short(saved_meta[key])} (config: {_short(config_meta[key])})' for key in differing)
        warnings.warn(f'{checkpoint}: the dataset_meta saved in the checkpoint differs from the config\'s '
                      f'({shown}); using the config\'s', stacklevel=4)
    return not differing


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _short(value) -> str:
    text = repr(_plain(value))
    return text if len(text) <= 40 else text[:37] + '...'


def init_model(config, checkpoint: str = None, device: str = 'cpu', cfg_options: dict = None,
               trusted: bool = None, skip_hash_check: bool = None) -> torch.nn.Module:
    """Build the model a config describes, load a checkpoint (safely), set eval mode.

    Args:
        config: path, shipped config name (``mmpose_face::...`` or bare) or :class:`Config`.
        checkpoint: local path or http(s) URL; mmpose 0.x and 1.x layouts both load.
        device: e.g. ``'cpu'`` or ``'cuda:0'``.
        cfg_options: overrides merged into the config.
        trusted: allow unpickling beyond tensors (see checkpoint_loading).
        skip_hash_check: load a file whose name promises another SHA-256 (see checkpoint_loading).

    The checkpoint's ``meta`` is kept as ``model.checkpoint_meta`` (``{}``
    without a checkpoint); its ``trained_on`` says what the model learnt from.
    ``model.dataset_meta`` is the checkpoint's, as in mmpose, when it fits the
    config's keypoints; otherwise the config's, with one warning. Runs inside
    :func:`mmpose_face.compat.mmengine_fixes`.
    """
    with compat.mmengine_fixes(trusted, skip_hash_check):
        model = _build_and_load(config, checkpoint, cfg_options, trusted, skip_hash_check)
    return model.to(device).eval()


def _build_and_load(config, checkpoint, cfg_options, trusted, skip_hash_check) -> torch.nn.Module:
    if isinstance(config, (str, Path)):
        config = compat.config_fromfile(config)  # a path or a shipped config's name
    elif not isinstance(config, Config):
        raise UserInputTypeError(f'config must be a path or a Config, got {type(config).__name__}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    init_default_scope(config.get('default_scope', 'mmpose_face'))
    config.model.train_cfg = None
    model = revert_sync_batchnorm(MODELS.build(config.model))
    model.dataset_meta = dataset_meta_from_config(config)
    model.checkpoint_meta = {}
    if checkpoint is not None:
        saved = load_checkpoint(model, checkpoint, map_location='cpu', trusted=trusted,
                                skip_hash_check=skip_hash_check)
        model.checkpoint_meta = dict(saved.get('meta') or {}) if isinstance(saved, dict) else {}
        saved_meta = model.checkpoint_meta.get('dataset_meta')
        if saved_meta_fits(saved_meta, model.dataset_meta, checkpoint):
            model.dataset_meta = saved_meta  # as mmpose's init_model: the checkpoint's, when it fits
    model.cfg = config
    return model


def inference_topdown(model, img, bboxes=None, bbox_format: str = 'xyxy', batch_size: int = None) -> list:
    """Predict the landmarks of each face box in one image, in batches.

    Args:
        model: from :func:`init_model`.
        img: image path or (H, W, 3) BGR uint8 array.
        bboxes: (N, 4) face boxes in image pixels (see
            :func:`~mmpose_face.apis.predictor.prepare_face_crops`);
            ``None`` or empty means the whole image is one face.
        bbox_format: ``'xyxy'`` or ``'xywh'``.
        batch_size: faces per forward pass; ``None`` = all boxes in one.

    Returns:
        one :class:`PoseDataSample` per box; ``pred_instances.keypoints`` is
        (1, K, 2) in image pixels.
    """
    # mmpose: no boxes (None or empty) = the whole image is one face
    bboxes = None if bboxes is None or len(bboxes) == 0 else bboxes
    predictor = LandmarkPredictor(model, backend='published', batch_size=batch_size)
    return predictor.predict(img, bboxes, bbox_format).data_samples
