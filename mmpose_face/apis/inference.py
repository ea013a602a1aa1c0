"""Python API with mmpose 1.x's calling convention: build a model, predict faces."""
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.model.utils import revert_sync_batchnorm
from mmengine.registry import init_default_scope

from mmpose_face.engine.checkpoint_loading import load_checkpoint
from mmpose_face.registry import DATASETS, MODELS
from mmpose_face.structures import bbox_xywh2xyxy


def dataset_meta_from_config(config: Config) -> dict:
    """Metainfo (names, flip_indices, colours) of the config's test data set."""
    dataset_cfg = config.test_dataloader.dataset
    dataset_class = DATASETS.get(dataset_cfg.type)
    return dataset_class._load_metainfo(dataset_cfg.get('metainfo'))


def init_model(config, checkpoint: str = None, device: str = 'cpu', cfg_options: dict = None,
               trusted: bool = None) -> torch.nn.Module:
    """Build the model a config describes, load a checkpoint (safely), set eval mode.

    Args:
        config: path or :class:`Config`.
        checkpoint: local path or http(s) URL; mmpose 0.x and 1.x layouts both load.
        device: e.g. ``'cpu'`` or ``'cuda:0'``.
        cfg_options: overrides merged into the config.
        trusted: allow unpickling beyond tensors (see checkpoint_loading).
    """
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif not isinstance(config, Config):
        raise TypeError(f'config must be a path or a Config, got {type(config).__name__}')
    if cfg_options:
        config.merge_from_dict(cfg_options)
    init_default_scope(config.get('default_scope', 'mmpose_face'))
    config.model.train_cfg = None
    model = revert_sync_batchnorm(MODELS.build(config.model))
    model.dataset_meta = dataset_meta_from_config(config)
    if checkpoint is not None:
        saved = load_checkpoint(model, checkpoint, map_location='cpu', trusted=trusted)
        saved_meta = saved.get('meta', {}).get('dataset_meta') if isinstance(saved, dict) else None
        if saved_meta and 'flip_indices' in saved_meta:
            model.dataset_meta = saved_meta
    model.cfg = config
    return model.to(device).eval()


def inference_topdown(model, img, bboxes=None, bbox_format: str = 'xyxy') -> list:
    """Predict the landmarks of each face box in one image, in one batch.

    Args:
        model: from :func:`init_model`.
        img: image path or (H, W, 3) BGR uint8 array.
        bboxes: (N, 4) face boxes in image pixels; ``None`` or empty means the
            whole image is one face.
        bbox_format: ``'xyxy'`` or ``'xywh'``.

    Returns:
        one :class:`PoseDataSample` per box; ``pred_instances.keypoints`` is
        (1, K, 2) in image pixels.
    """
    init_default_scope(model.cfg.get('default_scope', 'mmpose_face'))
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    if bbox_format not in ('xyxy', 'xywh'):
        raise ValueError(f"bbox_format must be 'xyxy' or 'xywh', got {bbox_format!r}")
    if isinstance(img, (str, Path)):
        from mmpose_face.datasets.transforms.loading import read_image_bgr
        img_path, img = str(img), read_image_bgr(str(img))
    else:
        img_path = None
    if bboxes is None or len(bboxes) == 0:
        height, width = img.shape[:2]
        bboxes = np.array([[0, 0, width, height]], dtype=np.float32)
    bboxes = np.asarray(bboxes, dtype=np.float32).reshape(-1, 4)
    if bbox_format == 'xywh':
        bboxes = bbox_xywh2xyxy(bboxes)
    data_list = []
    for bbox in bboxes:
        data_info = dict(img=img, img_path=img_path, bbox=bbox[None],
                         bbox_score=np.ones(1, dtype=np.float32))
        data_info.update(model.dataset_meta)
        data_list.append(pipeline(data_info))
    with torch.no_grad():
        return model.test_step(pseudo_collate(data_list))
