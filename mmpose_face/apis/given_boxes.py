"""Face boxes the user gives instead of a detector: one set per input, checked where they enter.

``bboxes=`` of :class:`~mmpose_face.apis.inferencer.FaceLandmarkInferencer`
is either

- one (N, 4) array (or a list of N boxes of 4 numbers): the boxes of the one
  input given, or
- a list with one entry per input, each an (N_i, 4) array or list of boxes
  (``[]``: no faces in that input); a video's entry is used for every frame.

``None`` or ``[]`` (as in mmpose) means: run the detector. A fifth column,
when given, is each box's score (``bbox_score``; 1.0 otherwise). Boxes are
image pixels, ``bbox_format='xyxy'`` (x1, y1, x2, y2) or ``'xywh'`` (x, y,
width, height). Anything else is one :class:`ValueError` naming the input
and the box.
"""
import numpy as np

from mmpose_face.structures import bbox_xywh2xyxy

BBOX_FORMATS = ('xyxy', 'xywh')


def _is_one_box(item) -> bool:
    """A flat sequence of numbers (one box), as opposed to a list of boxes."""
    try:
        array = np.asarray(item, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return array.ndim == 1 and array.size > 0


def _is_boxes_of_one_input(bboxes) -> bool:
    if isinstance(bboxes, np.ndarray):
        return bboxes.ndim != 3 and bboxes.dtype != object
    return all(_is_one_box(item) for item in bboxes)


def check_face_boxes(boxes, where: str, bbox_format: str = 'xyxy'):
    """One input's boxes -> ``(boxes (N, 4) float32 xyxy pixels, scores (N,) float32)``.

    Args:
        boxes: (N, 4) or (N, 5) array-like (the fifth column: score); N may be 0.
        where: the input's name, for the error messages (``'bboxes[2] (b.jpg)'``).
        bbox_format: ``'xyxy'`` or ``'xywh'``.

    Raises :class:`ValueError` naming ``where`` and the box for a wrong shape,
    a value that is not a finite number, or a zero or negative width or height.
    """
    if bbox_format not in BBOX_FORMATS:
        raise ValueError(f"bbox_format must be 'xyxy' or 'xywh', got {bbox_format!r}")
    try:
        array = np.asarray(boxes, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f'{where}: the boxes must be numbers, (N, 4) {bbox_format} pixels ({error})') from None
    if array.size == 0:
        return np.zeros((0, 4), np.float32), np.zeros(0, np.float32)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2 or array.shape[1] not in (4, 5):
        raise ValueError(f'{where}: the boxes must be an (N, 4) array of {bbox_format} pixels '
                         f'(or (N, 5) with a score), got shape {np.shape(boxes)}')
    for index, box in enumerate(array):
        if not np.isfinite(box).all():
            raise ValueError(f'{where}: box {index} {box.tolist()} ({bbox_format}) holds a value that is not '
                             'a finite number')
    xyxy = bbox_xywh2xyxy(array[:, :4]) if bbox_format == 'xywh' else array[:, :4]
    for index, (box, (x1, y1, x2, y2)) in enumerate(zip(array, xyxy)):
        if not (x2 > x1 and y2 > y1):
            raise ValueError(f'{where}: box {index} {box[:4].tolist()} ({bbox_format}) has a zero or negative '
                             f'width or height')
    scores = array[:, 4] if array.shape[1] == 5 else np.ones(len(array))
    return xyxy.astype(np.float32), scores.astype(np.float32)


def check_boxes_inside(boxes: np.ndarray, image_shape, where: str) -> None:
    """:class:`ValueError` naming ``where`` and the box when an (N, 4) xyxy box lies
    entirely outside an image of ``image_shape`` (H, W, ...); a box that only reaches
    past the border is fine (its crop is padded with black, as in training)."""
    height, width = image_shape[:2]
    for index, (x1, y1, x2, y2) in enumerate(boxes):
        if x2 <= 0 or y2 <= 0 or x1 >= width or y1 >= height:
            raise ValueError(f'{where}: box {index} {[float(v) for v in (x1, y1, x2, y2)]} (xyxy) lies outside '
                             f'the image ({width}x{height} pixels)')


def boxes_per_input(bboxes, input_names: list, bbox_format: str = 'xyxy'):
    """The user's ``bboxes`` -> one ``(boxes (N, 4) float32 xyxy, scores (N,))`` per input,
    or ``None`` when the detector is to run (``bboxes`` is ``None`` or ``[]``).

    Args:
        bboxes: see the module docstring.
        input_names: one printable name per input (its path, or ``array 00000001.jpg``).
        bbox_format: ``'xyxy'`` or ``'xywh'``.
    """
    if bbox_format not in BBOX_FORMATS:
        raise ValueError(f"bbox_format must be 'xyxy' or 'xywh', got {bbox_format!r}")
    if bboxes is None or (not isinstance(bboxes, np.ndarray) and len(bboxes) == 0):
        return None
    if not isinstance(bboxes, (np.ndarray, list, tuple)):
        raise ValueError(f'bboxes must be an (N, 4) array or a list with one per input, got '
                         f'{type(bboxes).__name__}')
    if _is_boxes_of_one_input(bboxes):
        if len(input_names) != 1:
            raise ValueError(f'bboxes: one set of {len(bboxes)} boxes was given for {len(input_names)} inputs; '
                             'pass a list with one (N, 4) array per input')
        return [check_face_boxes(bboxes, f'bboxes ({input_names[0]})', bbox_format)]
    if len(bboxes) != len(input_names):
        raise ValueError(f'bboxes: {len(bboxes)} box lists for {len(input_names)} inputs; give one per input '
                         '(an empty list for an input without faces)')
    return [check_face_boxes(boxes, f'bboxes[{index}] ({name})', bbox_format)
            for index, (boxes, name) in enumerate(zip(bboxes, input_names))]
