"""Reading the photograph a face is in."""
import cv2
import numpy as np

from mmpose_face.registry import TRANSFORMS


class ImageLoadError(OSError):
    """An image that is missing or cannot be decoded; the message names it."""


def read_image_bgr(path: str) -> np.ndarray:
    """(H, W, 3) uint8 BGR, or :class:`ImageLoadError` naming the file and the reason."""
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise ImageLoadError(f'{path}: cannot read image ({error.strerror or error})') from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if image is None:
        raise ImageLoadError(f'{path}: not a decodable image ({data.size} bytes)')
    return image


@TRANSFORMS.register_module()
class LoadImage:
    """``img_path`` -> ``img`` (H, W, 3) uint8 BGR, ``img_shape``, ``ori_shape``.

    An ``img`` already in the dict (an array given to the API) is kept.
    """

    def __call__(self, results: dict) -> dict:
        if results.get('img') is None:
            results['img'] = read_image_bgr(results['img_path'])
        results['img_shape'] = results['ori_shape'] = results['img'].shape[:2]
        return results
