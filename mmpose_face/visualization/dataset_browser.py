"""Pictures of what the network is trained on: crops after the pipeline, with targets."""
import os
import os.path as osp

import cv2
import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmpose_face.errors import UserInputKeyError
from mmpose_face.registry import DATASETS
from .pose_local_visualizer import PoseLocalVisualizer, write_image_bgr


def draw_packed_sample(packed: dict, visualizer: PoseLocalVisualizer, display_size: int = 256) -> np.ndarray:
    """One pipeline output (``inputs`` (3, h, w) uint8 BGR, ``data_samples``) ->
    (S, S', 3) BGR picture, enlarged to ``display_size`` on the long side.

    Points: ``gt_instance_labels.keypoint_labels`` (normalised) times the crop
    size, drawn where ``keypoint_weights`` > 0 (training targets); without
    labels (val/test pipelines), nothing is drawn on the crop.
    """
    crop = packed['inputs'].numpy().transpose(1, 2, 0)
    height, width = crop.shape[:2]
    zoom = display_size / max(height, width)
    picture = cv2.resize(crop, (round(width * zoom), round(height * zoom)), interpolation=cv2.INTER_LINEAR)
    picture = np.ascontiguousarray(picture[..., ::-1])  # visualizer colours are RGB
    data_sample = packed['data_samples']
    if 'gt_instance_labels' in data_sample:
        labels = data_sample.gt_instance_labels
        keypoints = labels.keypoint_labels.numpy()[0] * np.array([width, height]) * zoom
        visualizer.draw_face(picture, keypoints, visualizer.gt_color, visible=labels.keypoint_weights.numpy()[0])
    return np.ascontiguousarray(picture[..., ::-1])


def browse_dataset(config, output_dir: str, max_items: int = 20, phase: str = 'train',
                   display_size: int = 256) -> list:
    """Run the ``{phase}_dataloader`` data set of ``config`` and write the first
    ``max_items`` samples as ``{output_dir}/{index:04d}_{image stem}_{face id}.png``.

    Returns the written paths.
    """
    cfg = Config.fromfile(str(config)) if not isinstance(config, Config) else config
    if phase not in ('train', 'val', 'test'):
        raise ValueError(f"phase must be 'train', 'val' or 'test', got {phase!r}")
    if f'{phase}_dataloader' not in cfg or cfg.get(f'{phase}_dataloader') is None:
        raise UserInputKeyError(f'{cfg.filename}: no {phase}_dataloader in the config')
    init_default_scope(cfg.get('default_scope', 'mmpose_face'))
    dataset = DATASETS.build(cfg.get(f'{phase}_dataloader').dataset)
    visualizer = PoseLocalVisualizer(name=f'browse_dataset_{id(dataset)}', draw_bbox=False)
    visualizer.set_dataset_meta(dataset.metainfo)
    os.makedirs(output_dir, exist_ok=True)
    written = []
    for index in range(min(max_items, len(dataset))):
        packed = dataset[index]
        metainfo = packed['data_samples'].metainfo
        stem = osp.splitext(osp.basename(metainfo.get('img_path') or 'image'))[0]
        path = osp.join(output_dir, f'{index:04d}_{stem}_{metainfo.get("id", index)}.png')
        write_image_bgr(path, draw_packed_sample(packed, visualizer, display_size))
        written.append(path)
    return written
