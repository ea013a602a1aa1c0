"""YOLOX's colour jitter in HSV space (mmdet's ``YOLOXHSVRandomAug``), named
``mmdet.YOLOXHSVRandomAug`` in mmpose's RTMPose configs."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmpose_face.registry import MMDET_TRANSFORMS
from . import batch_stage as stages


@MMDET_TRANSFORMS.register_module()
class YOLOXHSVRandomAug(BaseTransform):
    """Shift hue, saturation and value of ``img`` (h, w, 3) uint8 BGR by random integers.

    Draws from numpy's global generator, as mmdet 3.3.0: three uniform gains
    in [-1, 1) scaled by the deltas, then three coins (0 or 1) that switch
    each channel's shift off or on; the gains are truncated to integers.
    Hue (OpenCV's 0..179) wraps around, saturation and value clip to 0..255.
    The image is written in place, as mmdet's.

    Args (mmdet's, same defaults):
        hue_delta: largest hue shift (OpenCV hue units, half degrees).
        saturation_delta: largest saturation shift (0..255 units).
        value_delta: largest value (brightness) shift (0..255 units).
    """

    batch_stage = stages.PER_CROP  # pixel-level: on the fast path it runs on each warped crop

    def __init__(self, hue_delta: int = 5, saturation_delta: int = 30, value_delta: int = 30) -> None:
        self.hue_delta = hue_delta
        self.saturation_delta = saturation_delta
        self.value_delta = value_delta

    @cache_randomness
    def _get_hsv_gains(self) -> np.ndarray:
        """(3,) int16 shifts of hue, saturation and value."""
        gains = np.random.uniform(-1, 1, 3) * [self.hue_delta, self.saturation_delta, self.value_delta]
        gains *= np.random.randint(0, 2, 3)  # each channel's shift on or off
        return gains.astype(np.int16)  # int16: the sums below cannot overflow

    def transform(self, results: dict) -> dict:
        img = results['img']
        hue_shift, saturation_shift, value_shift = self._get_hsv_gains()
        hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV).astype(np.int16)
        hsv[..., 0] = (hsv[..., 0] + hue_shift) % 180
        hsv[..., 1] = np.clip(hsv[..., 1] + saturation_shift, 0, 255)
        hsv[..., 2] = np.clip(hsv[..., 2] + value_shift, 0, 255)
        cv2.cvtColor(hsv.astype(img.dtype), cv2.COLOR_HSV2BGR, dst=img)
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(hue_delta={self.hue_delta}, saturation_delta={self.saturation_delta}, '
                f'value_delta={self.value_delta})')
