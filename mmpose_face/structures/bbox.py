"""Face box conventions: corners (xyxy), corner+size (xywh) and centre+scale (cs).

``scale`` is the box's (w, h) in pixels (WFLW's files store it in units of
200 px; the dataset multiplies it out). Like mmpose, the conversions keep
the precision of their input (float32 stays float32, float64 stays float64,
integers become float64): a crop computed from float64 boxes then matches
mmpose's to the pixel.
"""
import numpy as np


def _as_float(array) -> np.ndarray:
    array = np.asarray(array)
    return array if np.issubdtype(array.dtype, np.floating) else array.astype(np.float64)


def bbox_xyxy2cs(bbox: np.ndarray, padding: float = 1.0):
    """(N, 4) xyxy -> centre (N, 2) and scale (N, 2), the size enlarged by ``padding``."""
    x1, y1, x2, y2 = np.hsplit(_as_float(bbox), [1, 2, 3])
    center = np.hstack([x1 + x2, y1 + y2]) * 0.5
    scale = np.hstack([x2 - x1, y2 - y1]) * padding
    return center, scale


def bbox_xywh2cs(bbox: np.ndarray, padding: float = 1.0):
    """(N, 4) or (4,) x, y, w, h -> centre and scale ((N, 2) or (2,)), the size times ``padding``."""
    bbox = _as_float(bbox)
    single = bbox.ndim == 1
    x, y, w, h = np.hsplit(bbox[None] if single else bbox, [1, 2, 3])
    center, scale = np.hstack([x + w * 0.5, y + h * 0.5]), np.hstack([w, h]) * padding
    return (center[0], scale[0]) if single else (center, scale)


def bbox_xyxy2xywh(bbox: np.ndarray) -> np.ndarray:
    """(N, 4) x1, y1, x2, y2 -> (N, 4) x, y, w, h."""
    bbox = _as_float(bbox).copy()
    bbox[:, 2:] -= bbox[:, :2]
    return bbox


def bbox_cs2xyxy(center: np.ndarray, scale: np.ndarray, padding: float = 1.0) -> np.ndarray:
    """Centre (N, 2) and scale (N, 2) -> (N, 4) xyxy, the size divided by ``padding``."""
    half_size = scale / padding * 0.5
    return np.hstack([center - half_size, center + half_size]).astype(np.float32)


def bbox_xywh2xyxy(bbox: np.ndarray) -> np.ndarray:
    """(N, 4) x, y, w, h -> (N, 4) x1, y1, x2, y2."""
    bbox = _as_float(bbox).copy()
    bbox[:, 2:] += bbox[:, :2]
    return bbox


def fix_aspect_ratio(scale: np.ndarray, aspect_ratio: float) -> np.ndarray:
    """Grow the shorter side of (N, 2) box sizes so that w / h == ``aspect_ratio``."""
    w, h = np.hsplit(_as_float(scale), [1])
    return np.where(w > h * aspect_ratio,
                    np.hstack([w, w / aspect_ratio]),
                    np.hstack([h * aspect_ratio, h]))
