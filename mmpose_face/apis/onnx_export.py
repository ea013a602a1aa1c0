"""ONNX export of the landmark network, its check against PyTorch, and running it.

Layout of the exported graph (also stored in the file's metadata):

- input ``crops``: (B, 3, H, W) float32, **BGR** channel order, pixel values
  0-255: the face crop exactly as ``TopdownAffine`` cuts it (``cv2.warpAffine``
  of the box to ``input_size``), transposed to channels-first and cast to
  float. The config's normalisation (BGR -> RGB, ``(x - mean) / std``) is part
  of the graph, so users need no constants. B is dynamic.
- output ``keypoints``: (B, K, 2) float32, (x, y) normalised to the crop:
  crop pixels = ``keypoints * (W, H)``; image pixels =
  ``keypoints * input_scale + input_center - input_scale / 2`` with the crop
  box centre/size (pixels) from the pipeline.
- output ``scores``: (B, K) float32, the head's confidence per landmark, the
  ``keypoint_scores`` of the PyTorch predict path: RLE ``mean(1 - sigma)``;
  IPR/DSNT the heatmap mass near the point with ``test_cfg.heatmap_score_radius``,
  else 1.0; DeepPose (``RegressionHead``) 1.0; heatmaps (``HeatmapHead``) the
  map's maximum; RTMPose (``RTMCCHead``) the smaller of the two SimCC maxima.
- with ``flip_test``, the graph also runs the mirrored crop (in the same
  forward pass, batch 2B) and combines the two as the head's predict does
  with ``test_cfg.flip_test`` (coordinates averaged; RLE sigmas, integral
  heads' heatmaps, SimCC vectors flipped back and averaged too).

Every head exports (``BaseHead.predict_normalised``: ``RegressionHead``,
``RLEHead``, ``IntegralRegressionHead``, ``DSNTHead``, ``HeatmapHead``,
``RTMCCHead``): the graph calls that method, the same code as the head's
``predict``.
"""
import warnings

import numpy as np
import torch
from torch import nn

from mmpose_face.errors import OnnxCheckError, UserInputRuntimeError

INPUT_NAME, OUTPUT_NAME, SCORES_NAME = 'crops', 'keypoints', 'scores'
MAX_ALLOWED_DIFFERENCE = 1e-4  # keypoints: normalised crop units, i.e. 0.0256 px of a 256 px crop; scores:
# relative to max(1, |score|), since SimCC scores are unnormalised logits (19-45 with random RTMPose-m weights,
# where float32 sums in another order differ by 2.5e-4 absolute, 6e-6 relative)


class LandmarkExportWrapper(nn.Module):
    """Raw BGR crops (B, 3, H, W) float 0-255 -> (keypoints (B, K, 2) normalised, scores (B, K)).

    Args:
        model: a :class:`TopdownPoseEstimator` in eval mode; its head's
            ``predict_normalised`` (the contract of
            :class:`~mmpose_face.models.heads.base_head.BaseHead`) gives the
            normalised coordinates and scores.
        flip_test: combine with the prediction of the mirrored crop, as the
            head's predict does with ``test_cfg.flip_test``; the other
            ``test_cfg`` settings (``shift_coords``, ``shift_heatmap``,
            ``heatmap_score_radius``) are the model's.
    """

    def __init__(self, model, flip_test: bool = False):
        super().__init__()
        if not hasattr(model.head, 'predict_normalised'):
            raise TypeError(f'{type(model.head).__name__} cannot be exported: it has no predict_normalised '
                            '(the BaseHead contract)')
        preprocessor = model.data_preprocessor
        self.backbone, self.neck, self.head = model.backbone, model.neck, model.head
        self.bgr_to_rgb = bool(getattr(preprocessor, '_channel_conversion', False))
        normalise = bool(getattr(preprocessor, '_enable_normalize', False))
        self.register_buffer('mean', preprocessor.mean.detach().clone().reshape(1, -1, 1, 1) if normalise
                             else torch.zeros(1, 3, 1, 1))
        self.register_buffer('std', preprocessor.std.detach().clone().reshape(1, -1, 1, 1) if normalise
                             else torch.ones(1, 3, 1, 1))
        self.flip_test = flip_test
        self.flip_indices = list(model.dataset_meta['flip_indices'])
        self.test_cfg = dict(model.test_cfg)

    def _features(self, inputs: torch.Tensor) -> tuple:
        feats = self.backbone(inputs)
        return self.neck(feats) if self.neck is not None else feats

    def forward(self, crops: torch.Tensor):
        if self.bgr_to_rgb:
            crops = crops.flip(1)
        inputs = (crops - self.mean) / self.std
        if not self.flip_test:
            return self.head.predict_normalised(self._features(inputs), test_cfg=self.test_cfg)
        # One forward pass of 2B crops (plain and mirrored) instead of two of B:
        # batch norm is in eval mode, so each crop's result is the same.
        both = self._features(torch.cat([inputs, inputs.flip(-1)]))
        halves = [feat.chunk(2) for feat in both]
        return self.head.predict_normalised(tuple(h[0] for h in halves), tuple(h[1] for h in halves),
                                            self.flip_indices, inputs.shape[-1], self.test_cfg)


def export_differences(expected_keypoints, keypoints, expected_scores, scores) -> dict:
    """``{'keypoints': max absolute difference (normalised units), 'scores': max difference
    relative to max(1, |expected score|)}`` of an export's outputs from PyTorch's."""
    scale = np.maximum(1.0, np.abs(expected_scores))
    return dict(keypoints=float(np.abs(expected_keypoints - keypoints).max()),
                scores=float((np.abs(expected_scores - scores) / scale).max()))


def pytorch_normalised_predictions(model, crops: np.ndarray, flip_test: bool):
    """Reference through the model's own predict path: crops (B, 3, H, W) uint8
    BGR -> keypoints (B, K, 2) normalised and keypoint_scores (B, K), using the
    data preprocessor and the head's predict (``test_step``)."""
    from mmengine.dataset import pseudo_collate

    from mmpose_face.structures import PoseDataSample
    height, width = crops.shape[2:4]
    data_list = []
    for crop in crops:
        # Crop box = the whole crop, so image pixels are crop pixels.
        sample = PoseDataSample(metainfo=dict(
            input_size=(width, height), input_center=np.array([width / 2, height / 2], np.float32),
            input_scale=np.array([width, height], np.float32), flip_indices=model.dataset_meta['flip_indices']))
        data_list.append(dict(inputs=torch.from_numpy(np.ascontiguousarray(crop)),
                              data_samples=sample))
    saved_flip = model.test_cfg.get('flip_test', False)
    model.test_cfg['flip_test'] = flip_test
    try:
        with torch.no_grad():
            results = model.test_step(pseudo_collate(data_list))
    finally:
        model.test_cfg['flip_test'] = saved_flip
    keypoints = np.concatenate([r.pred_instances.keypoints for r in results])
    scores = np.concatenate([r.pred_instances.keypoint_scores for r in results])
    return keypoints / np.array([width, height], np.float32), scores


def export_onnx(model, output_file: str, flip_test: bool = False, opset: int = 17,
                check_batch_size: int = 3, seed: int = 0) -> float:
    """Export ``model`` (from ``init_model``) to ``output_file`` and check it.

    Checks onnxruntime against the PyTorch predict path on ``check_batch_size``
    random crops (a batch size other than the export's, so the dynamic axis
    is exercised), keypoints and scores (:func:`export_differences`). Returns
    the larger of the two differences; raises :class:`OnnxCheckError` when
    either is >= ``MAX_ALLOWED_DIFFERENCE``.
    """
    import onnx
    width, height = model.head.decoder.input_size
    model = model.cpu().eval()
    wrapper = LandmarkExportWrapper(model, flip_test=flip_test).eval()
    dummy = torch.zeros(2, 3, height, width)
    with warnings.catch_warnings():
        # torch >= 2.9 prefers the torch.export-based exporter, which needs the
        # extra package onnxscript; the TorchScript exporter still does the job
        # and says it is deprecated on every call.
        warnings.filterwarnings('ignore', category=DeprecationWarning)
        torch.onnx.export(wrapper, (dummy,), output_file, dynamo=False, opset_version=opset,
                          input_names=[INPUT_NAME], output_names=[OUTPUT_NAME, SCORES_NAME],
                          dynamic_axes={name: {0: 'batch'} for name in (INPUT_NAME, OUTPUT_NAME, SCORES_NAME)})
    graph = onnx.load(output_file)
    onnx.checker.check_model(graph)
    num_keypoints = model.head.num_keypoints
    for key, value in dict(
            input_layout=f'{INPUT_NAME}: (B, 3, {height}, {width}) float32 BGR 0-255, normalised inside',
            output_layout=f'{OUTPUT_NAME}: (B, {num_keypoints}, 2) float32 x/W, y/H of the crop; '
                          f'{SCORES_NAME}: (B, {num_keypoints}) float32 keypoint_scores of the predict path',
            input_size=f'{width},{height}', flip_test=str(bool(flip_test)), head=type(model.head).__name__,
            dataset=str(model.dataset_meta.get('dataset_name', ''))).items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(graph, output_file)

    crops = np.random.default_rng(seed).integers(0, 256, (check_batch_size, 3, height, width), dtype=np.uint8)
    expected_keypoints, expected_scores = pytorch_normalised_predictions(model, crops, flip_test)
    keypoints, scores = OnnxLandmarkModel(output_file).run_with_scores(crops)
    differences = export_differences(expected_keypoints, keypoints, expected_scores, scores)
    units = dict(keypoints='normalised', scores='relative to max(1, |score|)')
    for name, difference in differences.items():
        if not difference < MAX_ALLOWED_DIFFERENCE:
            raise OnnxCheckError(f'{output_file}: onnxruntime differs from PyTorch by {difference:.3g} in {name} '
                                 f'({units[name]}), more than {MAX_ALLOWED_DIFFERENCE:g}')
    return max(differences.values())


class OnnxLandmarkModel:
    """An exported file run with onnxruntime (CPU).

    ``run(crops)``: crops (B, 3, H, W) BGR 0-255 (uint8 or float) -> keypoints
    (B, K, 2) normalised; ``run_with_scores(crops)`` -> (keypoints, scores
    (B, K)). ``input_size`` (W, H) is read from the graph; ``has_scores`` is
    False for files exported before the ``scores`` output existed.
    """

    def __init__(self, onnx_file: str, num_threads: int = 0):
        import onnxruntime
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = num_threads
        try:
            self.session = onnxruntime.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])
        except Exception as error:  # onnxruntime raises its own exception types
            raise UserInputRuntimeError(f'{onnx_file}: cannot load ONNX model ({error})') from None
        self.onnx_file = onnx_file
        shape = self.session.get_inputs()[0].shape
        self.input_size = (shape[3], shape[2])  # (W, H)
        self.has_scores = SCORES_NAME in [output.name for output in self.session.get_outputs()]

    def run(self, crops: np.ndarray) -> np.ndarray:
        return self._run(crops, [OUTPUT_NAME])[0]

    def run_with_scores(self, crops: np.ndarray):
        if not self.has_scores:
            raise UserInputRuntimeError(f'{self.onnx_file}: this export has no "{SCORES_NAME}" output (made '
                                        'before it existed); export it again with tools/deployment/pytorch2onnx.py')
        keypoints, scores = self._run(crops, [OUTPUT_NAME, SCORES_NAME])
        return keypoints, scores

    def _run(self, crops: np.ndarray, names: list) -> list:
        crops = np.asarray(crops)
        if crops.ndim != 4 or crops.shape[1] != 3 or (crops.shape[3], crops.shape[2]) != tuple(self.input_size):
            raise ValueError(f'ONNX model expects (B, 3, {self.input_size[1]}, {self.input_size[0]}) crops, '
                             f'got {crops.shape}')
        return self.session.run(names, {INPUT_NAME: np.ascontiguousarray(crops, dtype=np.float32)})
