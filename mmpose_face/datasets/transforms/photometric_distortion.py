"""Random brightness, contrast, saturation, hue and channel order of the image."""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmpose_face.registry import TRANSFORMS
from . import batch_stage as stages


@TRANSFORMS.register_module()
class PhotometricDistortion(BaseTransform):
    """mmpose's photometric distortion of ``img`` (H, W, 3) uint8 BGR.

    Each step is applied with probability 1/2 (HSV steps: one of four modes
    none / saturation / hue / both); values are clipped to [0, 255]:
    brightness ``+ U(-brightness_delta, brightness_delta)``, contrast
    ``* U(contrast_range)``, saturation ``* U(saturation_range)`` on the HSV
    S channel, hue ``+ randint(-hue_delta, hue_delta)`` on H, then a random
    channel permutation. As in mmpose 1.3.2, contrast is applied both
    before and after the HSV steps when its mode draw is 1, and not at all
    when it is 0; the random numbers are drawn in mmpose's order, so the
    same numpy seed gives the same image.

    Args:
        brightness_delta: brightness offset range, 0-255 units.
        contrast_range: (low, high) contrast factor.
        saturation_range: (low, high) saturation factor.
        hue_delta: hue offset range, OpenCV hue units (0-180).

    On the fast path it runs per warped crop, after ``TopdownAffine``
    (:mod:`.batch_stage`), drawing as here.
    """

    batch_stage = stages.PER_CROP

    def __init__(self, brightness_delta: int = 32, contrast_range=(0.5, 1.5), saturation_range=(0.5, 1.5),
                 hue_delta: int = 18):
        super().__init__()
        self.brightness_delta = brightness_delta
        self.contrast_lower, self.contrast_upper = contrast_range
        self.saturation_lower, self.saturation_upper = saturation_range
        self.hue_delta = hue_delta

    @cache_randomness
    def draw_parameters(self) -> dict:
        """All random choices of one call, in mmpose's drawing order."""
        return dict(
            contrast_mode=np.random.randint(2), brightness_flag=np.random.randint(2),
            contrast_flag=np.random.randint(2), hsv_mode=np.random.randint(4), swap_flag=np.random.randint(2),
            brightness_beta=np.random.uniform(-self.brightness_delta, self.brightness_delta),
            contrast_alpha=np.random.uniform(self.contrast_lower, self.contrast_upper),
            saturation_alpha=np.random.uniform(self.saturation_lower, self.saturation_upper),
            hue_delta=np.random.randint(-self.hue_delta, self.hue_delta),
            channel_order=np.random.permutation(3))

    @staticmethod
    def scale_and_shift(img: np.ndarray, alpha: float = 1., beta: float = 0.) -> np.ndarray:
        """``clip(img * alpha + beta, 0, 255)`` as uint8 (float32 arithmetic)."""
        return np.clip(img.astype(np.float32) * alpha + beta, 0, 255).astype(np.uint8)

    def transform(self, results: dict) -> dict:
        assert 'img' in results, 'PhotometricDistortion: `img` is not found in results'
        p = self.draw_parameters()
        img = results['img']
        if p['brightness_flag']:
            img = self.scale_and_shift(img, beta=p['brightness_beta'])
        contrast = p['contrast_mode'] == 1 and p['contrast_flag']
        if contrast:
            img = self.scale_and_shift(img, alpha=p['contrast_alpha'])
        if p['hsv_mode']:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
            if p['hsv_mode'] in (1, 3):
                img[:, :, 1] = self.scale_and_shift(img[:, :, 1], alpha=p['saturation_alpha'])
            if p['hsv_mode'] in (2, 3):
                img[:, :, 0] = img[:, :, 0].astype(int) + p['hue_delta']  # wraps modulo 256, as mmpose
            img = cv2.cvtColor(img, cv2.COLOR_HSV2BGR)
        if contrast:
            img = self.scale_and_shift(img, alpha=p['contrast_alpha'])
        if p['swap_flag']:
            img = img[..., p['channel_order']]
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(brightness_delta={self.brightness_delta}, '
                f'contrast_range=({self.contrast_lower}, {self.contrast_upper}), '
                f'saturation_range=({self.saturation_lower}, {self.saturation_upper}), '
                f'hue_delta={self.hue_delta})')
