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
- with ``flip_test``, the graph also runs the mirrored crop (in the same
  forward pass, batch 2B) and averages the two predictions (as ``test_cfg.flip_test``).
"""
import warnings

import numpy as np
import torch
from torch import nn

from mmpose_face.errors import OnnxCheckError, UserInputRuntimeError
from mmpose_face.models.heads.regression_head import flip_normalised_coordinates

INPUT_NAME, OUTPUT_NAME = 'crops', 'keypoints'
MAX_ALLOWED_DIFFERENCE = 1e-4  # normalised crop units, i.e. 0.0256 px of a 256 px crop




class LandmarkExportWrapper(nn.Module):
    """Raw BGR crops (B, 3, H, W) float 0-255 -> normalised keypoints (B, K, 2).

    Args:
        model: a :class:`TopdownPoseEstimator` in eval mode.
        flip_test: average with the prediction of the mirrored crop.
    """

    def __init__(self, model, flip_test: bool = False):
        super().__init__()
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
        self.shift_coords = bool(model.test_cfg.get('shift_coords', True))

    def _coordinates(self, inputs: torch.Tensor) -> torch.Tensor:
        feats = self.backbone(inputs)
        if self.neck is not None:
            feats = self.neck(feats)
        return self.head(feats)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        if self.bgr_to_rgb:
            crops = crops.flip(1)
        inputs = (crops - self.mean) / self.std
        if not self.flip_test:
            return self._coordinates(inputs)
        # One forward pass of 2B crops (plain and mirrored) instead of two of B:
        # batch norm is in eval mode, so each crop's result is the same.
        coords, coords_of_mirror = self._coordinates(torch.cat([inputs, inputs.flip(-1)])).chunk(2)
        flipped = flip_normalised_coordinates(coords_of_mirror, self.flip_indices, self.shift_coords,
                                              inputs.shape[-1])
        return (coords + flipped) * 0.5


def pytorch_normalised_keypoints(model, crops: np.ndarray, flip_test: bool) -> np.ndarray:
    """Reference through the model's own predict path: crops (B, 3, H, W) uint8
    BGR -> (B, K, 2) normalised, using the data preprocessor and head decoding."""
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
    return keypoints / np.array([width, height], np.float32)


def export_onnx(model, output_file: str, flip_test: bool = False, opset: int = 17,
                check_batch_size: int = 3, seed: int = 0) -> float:
    """Export ``model`` (from ``init_model``) to ``output_file`` and check it.

    Checks onnxruntime against the PyTorch predict path on ``check_batch_size``
    random crops (a batch size other than the export's, so the dynamic axis
    is exercised). Returns the max absolute difference (normalised units);
    raises :class:`OnnxCheckError` when it is >= ``MAX_ALLOWED_DIFFERENCE``.
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
                          input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
                          dynamic_axes={INPUT_NAME: {0: 'batch'}, OUTPUT_NAME: {0: 'batch'}})
    graph = onnx.load(output_file)
    onnx.checker.check_model(graph)
    for key, value in dict(
            input_layout=f'{INPUT_NAME}: (B, 3, {height}, {width}) float32 BGR 0-255, normalised inside',
            output_layout=f'{OUTPUT_NAME}: (B, {model.head.num_joints}, 2) float32 x/W, y/H of the crop',
            input_size=f'{width},{height}', flip_test=str(bool(flip_test)),
            dataset=str(model.dataset_meta.get('dataset_name', ''))).items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(graph, output_file)

    crops = np.random.default_rng(seed).integers(0, 256, (check_batch_size, 3, height, width), dtype=np.uint8)
    expected = pytorch_normalised_keypoints(model, crops, flip_test)
    got = OnnxLandmarkModel(output_file).run(crops)
    max_difference = float(np.abs(expected - got).max())
    if not max_difference < MAX_ALLOWED_DIFFERENCE:
        raise OnnxCheckError(f'{output_file}: onnxruntime differs from PyTorch by {max_difference:.3g} '
                             f'(normalised), more than {MAX_ALLOWED_DIFFERENCE:g}')
    return max_difference


class OnnxLandmarkModel:
    """An exported file run with onnxruntime (CPU).

    ``run(crops)``: crops (B, 3, H, W) BGR 0-255 (uint8 or float) -> (B, K, 2)
    normalised; ``input_size`` (W, H) is read from the graph.
    """

    def __init__(self, onnx_file: str, num_threads: int = 0):
        import onnxruntime
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = num_threads
        try:
            self.session = onnxruntime.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])
        except Exception as error:  # onnxruntime raises its own exception types
            raise UserInputRuntimeError(f'{onnx_file}: cannot load ONNX model ({error})') from None
        shape = self.session.get_inputs()[0].shape
        self.input_size = (shape[3], shape[2])  # (W, H)

    def run(self, crops: np.ndarray) -> np.ndarray:
        crops = np.asarray(crops)
        if crops.ndim != 4 or crops.shape[1] != 3 or (crops.shape[3], crops.shape[2]) != tuple(self.input_size):
            raise ValueError(f'ONNX model expects (B, 3, {self.input_size[1]}, {self.input_size[0]}) crops, '
                             f'got {crops.shape}')
        return self.session.run([OUTPUT_NAME], {INPUT_NAME: np.ascontiguousarray(crops, dtype=np.float32)})[0]
