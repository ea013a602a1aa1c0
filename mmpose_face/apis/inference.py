"""Python API with mmpose 1.x's calling convention: build a model, predict faces.

``inference_topdown`` is the prediction core (:mod:`~mmpose_face.apis.predictor`)
with its ``'published'`` backend: mmpose's path, bit-identical to mmpose.
"""
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import init_default_scope

from mmpose_face.engine.checkpoint_loading import load_checkpoint
from mmpose_face.errors import UserInputTypeError
from mmpose_face.registry import MODELS
from .predictor import LandmarkPredictor, dataset_meta_from_config, prepare_face_crops  # noqa: F401 (API)


def init_model(config, checkpoint: str = None, device: str = 'cpu', cfg_options: dict = None,
               trusted: bool = None, skip_hash_check: bool = None) -> torch.nn.Module:
    """Build the model a config describes, load a checkpoint (safely), set eval mode.

    Args:
        config: path or :class:`Config`.
        checkpoint: local path or http(s) URL; mmpose 0.x and 1.x layouts both load.
        device: e.g. ``'cpu'`` or ``'cuda:0'``.
        cfg_options: overrides merged into the config.
        trusted: allow unpickling beyond tensors (see checkpoint_loading).
        skip_hash_check: load a file whose name promises another SHA-256 (see checkpoint_loading).

    The checkpoint's ``meta`` is kept as ``model.checkpoint_meta`` (``{}``
    without a checkpoint); its ``trained_on`` says what the model learnt from.
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
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
        if saved_meta and 'flip_indices' in saved_meta:
            model.dataset_meta = saved_meta
    model.cfg = config
    return model.to(device).eval()


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
