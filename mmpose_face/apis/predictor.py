"""The one prediction core: face boxes of one image -> landmarks in image pixels.

crops (the config's test pipeline) -> backend -> the head's
``predict_normalised`` -> image pixels. Every inference entry point is a thin
shell over :class:`LandmarkPredictor`: ``inference_topdown``, the demo's
``FaceLandmarker``, ``FaceLandmarkInferencer`` and ``FastFaceLandmarks``.

Backends:

- ``'published'``: the model's own ``test_step``: data preprocessor, backbone,
  ``head.predict`` (``predict_normalised``, then the codec's ``decode``) and
  the estimator's map to image pixels. This is mmpose's path, bit-identical
  to mmpose 1.3.2 (``tests/test_apis/test_mmpose_equivalence.py``).
- ``'torch'``: :class:`~mmpose_face.apis.onnx_export.LandmarkExportWrapper`
  (normalisation, network and flip test, plain and mirrored crops in one
  forward pass of 2B, ``predict_normalised``) with channels-last memory.
- ``'onnxruntime'``: the same module exported to ONNX and run with onnxruntime.

The last two agree with the first to float rounding (within 0.01 px,
``tests/test_apis/test_predictor.py``).
"""
import os.path as osp
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

from mmpose_face import compat
from mmpose_face.fileio import read_image_bgr
from mmpose_face.datasets import CombinedDataset
from mmpose_face.registry import DATASETS
from mmpose_face.structures import bbox_xywh2xyxy
from .onnx_cache import cached_onnx_export
from .onnx_export import LandmarkExportWrapper, OnnxLandmarkModel, export_onnx

BACKENDS = ('published', 'torch', 'onnxruntime')
USER_BACKENDS = ('onnxruntime', 'torch')  # what the inferencer and the demos offer; 'torch' = 'published'


def dataset_meta_from_config(config: Config) -> dict:
    """Metainfo (names, flip_indices, colours) of the config's test data set.

    A ``CombinedDataset`` (mmpose's Face6 test set) has no layout of its own: its
    ``metainfo`` (``dict(from_file=...)`` or a ``dataset_info`` dict) is read as
    mmpose's ``dataset_meta_from_config`` reads it."""
    dataset_cfg = config.test_dataloader.dataset
    dataset_class = DATASETS.get(dataset_cfg.type)
    if issubclass(dataset_class, CombinedDataset):
        return dataset_class._parse_combined_metainfo(dataset_cfg.get('metainfo'))
    return dataset_class._load_metainfo(dataset_cfg.get('metainfo'))


def prepare_face_crops(config: Config, dataset_meta: dict, img, bboxes=None,
                       bbox_format: str = 'xyxy') -> list:
    """The config's test pipeline on each face box of one image.

    Args:
        config: model config (its ``test_dataloader.dataset.pipeline`` crops).
        dataset_meta: metainfo (``flip_indices`` ...) copied into each sample.
        img: image path or (H, W, 3) BGR uint8 array.
        bboxes: (N, 4) face boxes in image pixels; ``None`` or empty means the
            whole image is one face. A box may reach past the border (the crop
            is padded with black, as in training); one that lies entirely
            outside the image, or is empty or not finite, is refused.
        bbox_format: ``'xyxy'`` or ``'xywh'``.

    Returns:
        one ``{'inputs': (3, h, w) uint8 BGR tensor, 'data_samples': PoseDataSample}``
        per box, the sample's metainfo holding ``input_center``/``input_scale``.
    """
    init_default_scope(config.get('default_scope', 'mmpose_face'))
    pipeline = Compose(config.test_dataloader.dataset.pipeline)
    if bbox_format not in ('xyxy', 'xywh'):
        raise ValueError(f"bbox_format must be 'xyxy' or 'xywh', got {bbox_format!r}")
    if isinstance(img, (str, Path)):
        img_path, img = str(img), read_image_bgr(str(img))
    else:
        img_path = None
    height, width = img.shape[:2]
    if bboxes is None or len(bboxes) == 0:
        bboxes = np.array([[0, 0, width, height]], dtype=np.float32)
    bboxes = np.asarray(bboxes).reshape(-1, 4)  # precision kept (a list -> float64), as in mmpose
    if not np.issubdtype(bboxes.dtype, np.floating):
        bboxes = bboxes.astype(np.float64)
    if bbox_format == 'xywh':
        bboxes = bbox_xywh2xyxy(bboxes)
    where = img_path or f'image of {width}x{height} pixels'
    for index, (x1, y1, x2, y2) in enumerate(bboxes):
        if not (np.isfinite([x1, y1, x2, y2]).all() and x2 > x1 and y2 > y1):
            raise ValueError(f'{where}: face box {index} {[x1, y1, x2, y2]} (xyxy) is empty or not finite')
        if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
            raise ValueError(f'{where}: face box {index} {[float(v) for v in (x1, y1, x2, y2)]} (xyxy) '
                             f'lies outside the image ({width}x{height} pixels)')
    data_list = []
    for bbox in bboxes:
        data_info = dict(img=img, img_path=img_path, bbox=bbox[None],
                         bbox_score=np.ones(1, dtype=np.float32))
        data_info.update(dataset_meta)
        data_list.append(pipeline(data_info))
    return data_list


def crop_to_image_pixels(normalised: np.ndarray, data_list: list) -> np.ndarray:
    """Keypoints (N, K, 2) normalised to each face's crop (x/W, y/H) -> image pixels (float32),
    with the crop boxes (``input_center``, ``input_scale``) of :func:`prepare_face_crops`' samples."""
    centers = np.stack([item['data_samples'].metainfo['input_center'] for item in data_list])[:, None]
    scales = np.stack([item['data_samples'].metainfo['input_scale'] for item in data_list])[:, None]
    return (np.asarray(normalised) * scales + centers - 0.5 * scales).astype(np.float32)


@dataclass
class FaceLandmarks:
    """The landmarks of N faces of one image.

    Attributes:
        keypoints: (N, K, 2) float32 image pixels.
        keypoint_scores: (N, K) float32, the head's confidence per landmark
            (RLE: from sigma; integral heads: heatmap mass or 1.0; DeepPose:
            1.0); ``None`` from an ONNX file exported before it had scores.
        data_samples: one :class:`PoseDataSample` per face, its
            ``pred_instances.keypoints`` (1, K, 2) image pixels (with the
            ``'published'`` backend exactly what the model's ``test_step`` gives).
    """
    keypoints: np.ndarray
    keypoint_scores: np.ndarray
    data_samples: list

    def head_poses(self, image_size) -> list:
        """Per face ``{'yaw', 'pitch', 'roll'}`` degrees (and ``rotation_vector``, ``translation``)
        in an image ``(width, height)``; ``None`` per face for a layout without a mean 3D face
        (:mod:`~mmpose_face.apis.head_pose`: 68 and 98 points have one)."""
        from .head_pose import head_poses
        return head_poses(self.keypoints, image_size) if len(self.keypoints) else []


class LandmarkPredictor:
    """``predictor.predict(image, bboxes)`` -> :class:`FaceLandmarks`; backends in the module docstring.

    Args:
        model: from :func:`~mmpose_face.apis.inference.init_model`; may be
            ``None`` for ``'onnxruntime'`` with ``onnx_file`` and ``config``.
        backend: ``'published'``, ``'torch'`` or ``'onnxruntime'``.
        batch_size: faces per forward pass; ``None`` = all faces of the image in one.
        flip_test: ``'torch'``, and an ONNX export made here: ``None`` = as the
            model's ``test_cfg.flip_test`` (``'published'`` always follows it).
        onnx_file: an export of this model (``tools/deployment/pytorch2onnx.py``)
            for ``'onnxruntime'``; ``None`` exports one into a temporary folder
            (checked against PyTorch).
        config: the model config (path or Config) when there is no ``model``:
            its test pipeline crops the faces.
        num_threads: onnxruntime intra-op threads (0: its default).
    """

    def __init__(self, model=None, backend: str = 'published', batch_size: int = None, flip_test: bool = None,
                 onnx_file: str = None, config=None, num_threads: int = 0):
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}')
        if batch_size is not None and batch_size < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        if model is None and not (backend == 'onnxruntime' and onnx_file is not None and config is not None):
            raise ValueError('LandmarkPredictor needs a model, or backend onnxruntime with onnx_file and config')
        self.backend, self.batch_size, self.model = backend, batch_size, model
        if model is not None:
            self.config, self.dataset_meta = model.cfg, model.dataset_meta
            model_flip = bool(model.test_cfg.get('flip_test', False))
        else:
            self.config = compat.config_fromfile(config)
            self.dataset_meta, model_flip = dataset_meta_from_config(self.config), False
        self.flip_test = model_flip if flip_test is None else bool(flip_test)
        if backend == 'torch':
            self.module = LandmarkExportWrapper(model.cpu().eval(), flip_test=self.flip_test).eval()
            self.module = self.module.to(memory_format=torch.channels_last)
        elif backend == 'onnxruntime':
            if onnx_file is None:
                self._export_folder = tempfile.TemporaryDirectory()
                onnx_file = osp.join(self._export_folder.name, 'landmarks.onnx')
                export_onnx(model.cpu().eval(), onnx_file, flip_test=self.flip_test)
            self.onnx_model = OnnxLandmarkModel(onnx_file, num_threads=num_threads)
            crop_size = tuple(self.config.model.head.decoder.input_size)
            if tuple(self.onnx_model.input_size) != crop_size:
                raise ValueError(f'{onnx_file}: takes {self.onnx_model.input_size} crops but the config '
                                 f'crops {crop_size}')

    @property
    def num_keypoints(self) -> int:
        return int(self.dataset_meta['num_keypoints'])

    def normalised(self, crops: np.ndarray):
        """``'torch'`` / ``'onnxruntime'``: (B, 3, H, W) BGR 0-255 crops -> keypoints
        (B, K, 2) normalised to the crop, scores (B, K) (``None`` from an old ONNX file)."""
        if self.backend == 'onnxruntime':
            if not self.onnx_model.has_scores:
                return self.onnx_model.run(crops), None
            return self.onnx_model.run_with_scores(crops)
        if self.backend != 'torch':
            raise ValueError("normalised() needs the 'torch' or 'onnxruntime' backend")
        with torch.inference_mode():
            inputs = torch.from_numpy(np.ascontiguousarray(crops)).float().contiguous(
                memory_format=torch.channels_last)
            keypoints, scores = self.module(inputs)
            return keypoints.numpy(), scores.numpy()

    def predict(self, image, bboxes=None, bbox_format: str = 'xyxy') -> FaceLandmarks:
        """Landmarks of each face box of one image.

        Args:
            image: image path or (H, W, 3) BGR uint8 array.
            bboxes: (N, 4) face boxes in image pixels; ``None`` = the whole image
                is one face; an empty array = no faces.
            bbox_format: ``'xyxy'`` or ``'xywh'``.
        """
        return self.predict_images([image], [bboxes], bbox_format)[0]

    def predict_images(self, images: list, bboxes_per_image: list, bbox_format: str = 'xyxy') -> list:
        """Landmarks of the faces of several images, run through the backend together.

        The faces of all images are cropped, then go through the network in
        batches of ``batch_size`` faces (``None``: all in one call), so a batch
        may hold faces of several images; the results are split back per image.

        Args:
            images: image paths or (H, W, 3) BGR uint8 arrays.
            bboxes_per_image: one entry per image, as ``bboxes`` of :meth:`predict`.
            bbox_format: ``'xyxy'`` or ``'xywh'``.

        Returns:
            one :class:`FaceLandmarks` per image.
        """
        if len(images) != len(bboxes_per_image):
            raise ValueError(f'{len(images)} images but {len(bboxes_per_image)} box lists')
        data_lists = [[] if bboxes is not None and len(bboxes) == 0
                      else prepare_face_crops(self.config, self.dataset_meta, image, bboxes, bbox_format)
                      for image, bboxes in zip(images, bboxes_per_image)]
        keypoints, scores, samples = self._run([item for data_list in data_lists for item in data_list])
        results, start = [], 0
        for data_list in data_lists:
            stop = start + len(data_list)
            results.append(FaceLandmarks(keypoints[start:stop], None if scores is None else scores[start:stop],
                                         samples[start:stop]))
            start = stop
        return results

    def _run(self, data_list: list):
        """Crops of :func:`prepare_face_crops` -> keypoints (N, K, 2) image pixels,
        scores (N, K) or ``None``, data samples (N), in batches of ``batch_size``."""
        if not data_list:
            return (np.zeros((0, self.num_keypoints, 2), np.float32),
                    np.zeros((0, self.num_keypoints), np.float32), [])
        batch_size = self.batch_size or len(data_list)
        samples, keypoints, scores = [], [], []
        for start in range(0, len(data_list), batch_size):
            chunk = data_list[start:start + batch_size]
            if self.backend == 'published':
                with torch.no_grad():
                    results = self.model.test_step(pseudo_collate(chunk))
                samples += results
                keypoints += [r.pred_instances.keypoints for r in results]
                scores += [r.pred_instances.keypoint_scores for r in results]
                continue
            normalised, chunk_scores = self.normalised(np.stack([item['inputs'].numpy() for item in chunk]))
            chunk_keypoints = crop_to_image_pixels(normalised, chunk)
            keypoints.append(chunk_keypoints)
            scores.append(chunk_scores)
            for index, item in enumerate(chunk):
                sample = item['data_samples']
                sample.pred_instances = InstanceData(keypoints=chunk_keypoints[index:index + 1])
                if chunk_scores is not None:
                    sample.pred_instances.keypoint_scores = chunk_scores[index:index + 1]
                    sample.pred_instances.keypoints_visible = chunk_scores[index:index + 1]
                samples.append(sample)
        has_scores = all(s is not None for s in scores)
        return (np.concatenate(keypoints).astype(np.float32),
                np.concatenate(scores).astype(np.float32) if has_scores else None, samples)


def build_predictor(model, checkpoint: str, backend: str = 'onnxruntime', flip_test: bool = None,
                    onnx_cache_dir: str = None, num_threads: int = 0,
                    batch_size: int = None) -> LandmarkPredictor:
    """The predictor the inferencer and the demos use.

    Args:
        model: from :func:`~mmpose_face.apis.inference.init_model` with ``checkpoint``.
        checkpoint: its weights file; ``'onnxruntime'`` runs its cached export
            (:func:`~mmpose_face.apis.onnx_cache.cached_onnx_export`, made and
            checked against PyTorch on first use, remade when the file changes).
        backend: ``'onnxruntime'`` (fastest, same keypoints to 0.01 px) or
            ``'torch'`` (the published path, the model's ``test_step``).
        flip_test: ``None`` = the model's ``test_cfg.flip_test``; ``False`` =
            the single pass (half the network's work).
    """
    if backend not in USER_BACKENDS:
        raise ValueError(f'backend must be one of {USER_BACKENDS}, got {backend!r}')
    if flip_test is not None:
        model.test_cfg['flip_test'] = bool(flip_test)
    if backend == 'torch':
        return LandmarkPredictor(model, 'published', batch_size=batch_size)
    if checkpoint is None:
        return LandmarkPredictor(model, 'onnxruntime', batch_size=batch_size, num_threads=num_threads)
    flip = bool(model.test_cfg.get('flip_test', False))
    onnx_file = cached_onnx_export(model, checkpoint, flip, onnx_cache_dir)
    return LandmarkPredictor(model, 'onnxruntime', batch_size=batch_size, flip_test=flip, onnx_file=onnx_file,
                             num_threads=num_threads)
