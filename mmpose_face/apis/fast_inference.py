"""Faster CPU inference of the same predictions: channels-last, batched flip, or ONNX Runtime.

:class:`FastFaceLandmarks` is the prediction core
(:class:`~mmpose_face.apis.predictor.LandmarkPredictor`) with its ``'torch'``
or ``'onnxruntime'`` backend: the faces are cropped with the config's test
pipeline (as :func:`~mmpose_face.apis.inference.inference_topdown`), then the
raw BGR crops go through one module that holds the normalisation, the
network and the flip test (plain and mirrored crops in one forward pass of
2B). The published path (``inference_topdown``) is unchanged; these backends
agree with it to float rounding (``benchmarks/cpu_inference_speed.py``
prints the largest difference in pixels).
"""
import numpy as np

from .predictor import LandmarkPredictor

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
        self.predictor = LandmarkPredictor(model, backend, flip_test=flip_test, onnx_file=onnx_file,
                                           num_threads=num_threads)
        self.backend, self.flip_test = backend, self.predictor.flip_test

    def normalised(self, crops: np.ndarray):
        """(B, 3, H, W) BGR 0-255 crops -> keypoints (B, K, 2) normalised to the crop, scores (B, K)."""
        return self.predictor.normalised(crops)

    def __call__(self, image_bgr: np.ndarray, boxes) -> np.ndarray:
        return self.predict(image_bgr, boxes)[0]

    def predict(self, image_bgr: np.ndarray, boxes):
        """keypoints (N, K, 2) image pixels, keypoint_scores (N, K)."""
        landmarks = self.predictor.predict(image_bgr, np.asarray(boxes).reshape(-1, 4))
        return landmarks.keypoints, landmarks.keypoint_scores
