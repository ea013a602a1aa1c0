"""Faster CPU inference of the same predictions: channels-last, batched flip, or ONNX Runtime.

:class:`FastFaceLandmarks` crops the faces with the config's test pipeline
(as :func:`~mmpose_face.apis.inference.inference_topdown`), then runs the
network once per batch on raw BGR crops with the normalisation, the flip
test (plain and mirrored crops in one forward pass of 2B) and the averaging
inside one module (:class:`~mmpose_face.apis.onnx_export.LandmarkExportWrapper`),
either in PyTorch with channels-last memory or exported to ONNX and run with
onnxruntime. The published path (``inference_topdown``) is unchanged; these
backends agree with it to float rounding (``benchmarks/cpu_inference_speed.py``
prints the largest difference in pixels).
"""
import os.path as osp
import tempfile

import numpy as np
import torch

from .inference import crop_to_image_pixels, prepare_face_crops
from .onnx_export import LandmarkExportWrapper, OnnxLandmarkModel, export_onnx

BACKENDS = ('torch', 'onnxruntime')


class FastFaceLandmarks:
    """``predictor(image_bgr, boxes (N, 4) xyxy)`` -> keypoints (N, K, 2) in image pixels;
    ``predictor.predict(image_bgr, boxes)`` -> (keypoints, keypoint_scores (N, K)),
    the scores of the published path (RLE: from sigma; IPR/DSNT: heatmap mass
    with ``test_cfg.heatmap_score_radius``, else 1.0; DeepPose: 1.0).

    Args:
        model: from :func:`~mmpose_face.apis.inference.init_model` (its config crops).
        backend: ``'torch'`` (channels-last, batched flip) or ``'onnxruntime'``.
        flip_test: ``None`` = as the model's ``test_cfg.flip_test``.
        onnx_file: an export of this model (``pytorch2onnx.py``) for onnxruntime;
            ``None`` exports one into a temporary folder (checked against PyTorch).
        num_threads: onnxruntime intra-op threads (0: its default).
    """

    def __init__(self, model, backend: str = 'torch', flip_test: bool = None, onnx_file: str = None,
                 num_threads: int = 0):
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}')
        self.config, self.dataset_meta = model.cfg, model.dataset_meta
        self.flip_test = bool(model.test_cfg.get('flip_test', False)) if flip_test is None else flip_test
        self.backend = backend
        if backend == 'torch':
            self.module = LandmarkExportWrapper(model.cpu().eval(), flip_test=self.flip_test).eval()
            self.module = self.module.to(memory_format=torch.channels_last)
        else:
            if onnx_file is None:
                self._folder = tempfile.TemporaryDirectory()
                onnx_file = osp.join(self._folder.name, 'landmarks.onnx')
                export_onnx(model.cpu().eval(), onnx_file, flip_test=self.flip_test)
            self.onnx_model = OnnxLandmarkModel(onnx_file, num_threads=num_threads)

    def normalised(self, crops: np.ndarray):
        """(B, 3, H, W) BGR 0-255 crops -> keypoints (B, K, 2) normalised to the crop, scores (B, K)."""
        if self.backend == 'onnxruntime':
            return self.onnx_model.run_with_scores(crops)
        with torch.inference_mode():
            inputs = torch.from_numpy(np.ascontiguousarray(crops)).float().contiguous(
                memory_format=torch.channels_last)
            keypoints, scores = self.module(inputs)
            return keypoints.numpy(), scores.numpy()

    def __call__(self, image_bgr: np.ndarray, boxes) -> np.ndarray:
        return self.predict(image_bgr, boxes)[0]

    def predict(self, image_bgr: np.ndarray, boxes):
        """keypoints (N, K, 2) image pixels, keypoint_scores (N, K)."""
        boxes = np.asarray(boxes).reshape(-1, 4)
        num_keypoints = self.dataset_meta['num_keypoints']
        if len(boxes) == 0:
            return np.zeros((0, num_keypoints, 2), np.float32), np.zeros((0, num_keypoints), np.float32)
        data_list = prepare_face_crops(self.config, self.dataset_meta, image_bgr, boxes)
        coords, scores = self.normalised(np.stack([item['inputs'].numpy() for item in data_list]))
        return crop_to_image_pixels(coords, data_list), scores
