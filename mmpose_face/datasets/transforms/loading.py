"""Reading the photograph a face is in."""
import os.path as osp

import mmcv
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine import fileio
from mmengine.logging import print_log

from mmpose_face.errors import ImageDecodeError, ImageLoadError, ImageNotFoundError  # noqa: F401 (re-exported)
from mmpose_face.fileio import pixel_limit_refusal, read_image_bgr
from mmpose_face.registry import TRANSFORMS
from . import batch_stage as stages


@TRANSFORMS.register_module()
class LoadImage(LoadImageFromFile):
    """``img_path`` -> ``img`` (H, W, 3) uint8 BGR, ``img_shape``, ``ori_shape`` (H, W).

    An ``img`` already in the dict (an array given to the API) is kept (its
    ``img_path`` set to None when absent).

    Args (mmpose's and mmcv's ``LoadImageFromFile``'s):
        to_float32: return a float32 image instead of uint8.
        color_type: ``mmcv.imfrombytes`` flag ('color', 'grayscale', 'unchanged' ...).
        imdecode_backend: ``mmcv.imfrombytes`` backend ('cv2', 'pillow' ...).
        backend_args: mmengine file backend arguments (e.g. another storage).
        ignore_empty: return None (the data set draws another sample) for a
            missing or undecodable file instead of raising.
    Args (this project's):
        max_image_pixels: refuse, from its header and before decoding, an
            image of more pixels (None: ``MMPOSE_FACE_MAX_IMAGE_PIXELS``, else
            2**27; see :mod:`mmpose_face.fileio`). Refused like an
            undecodable file, so ``bad_image_policy='skip'`` skips it.

    When the annotation file declares an image size (``img_shape`` from its
    ``height``/``width``) that differs from the decoded image, the keypoints
    and box are in the declared size's pixels and the crop may fall beside
    the image (a black crop): a warning names the file, once per file.

    The default settings (local file, colour, cv2) read through
    :func:`mmpose_face.fileio.read_image_bgr`; a bad file raises
    :class:`ImageNotFoundError` (a FileNotFoundError) or
    :class:`ImageDecodeError` (an AssertionError, as mmcv's check), naming it.
    """

    batch_stage = stages.LOAD  # how the fast path batches it

    def __init__(self, *args, max_image_pixels: int = None, **kwargs):
        super().__init__(*args, **kwargs)
        if max_image_pixels is not None and (isinstance(max_image_pixels, bool) or not isinstance(
                max_image_pixels, int) or max_image_pixels <= 0):
            raise ValueError(f'LoadImage: max_image_pixels must be a positive integer, got {max_image_pixels!r}')
        self.max_image_pixels = max_image_pixels
        self._warned_sizes = set()

    def _warn_on_declared_size(self, results: dict, img: np.ndarray) -> None:
        declared = results.get('img_shape')
        if not (isinstance(declared, (tuple, list)) and len(declared) == 2
                and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in declared)):
            return
        height, width = img.shape[:2]
        path = results.get('img_path')
        if (abs(int(declared[0]) - height) > 1 or abs(int(declared[1]) - width) > 1) and path not in self._warned_sizes:
            self._warned_sizes.add(path)
            print_log(f'{path}: the annotation file declares {declared[1]} x {declared[0]} pixels, the image is '
                      f'{width} x {height}: its keypoints and box are in the declared pixels, so the crop may fall '
                      f'beside the image (a black crop). Fix "width"/"height" or the image.',
                      logger='current', level=30)

    def _reads_plain_local_files(self) -> bool:
        backend = (self.backend_args or {}).get('backend', 'local')
        return self.color_type == 'color' and self.imdecode_backend == 'cv2' and backend == 'local'

    def _load_through_mmcv(self, results: dict):
        """Other storage, colour type or decoder: mmcv's reading (``fileio.get`` then
        ``mmcv.imfrombytes``), with the same header check before decoding."""
        path = results['img_path']
        try:
            data = fileio.get(path, backend_args=self.backend_args)
            refusal = pixel_limit_refusal(path, data, self.max_image_pixels)
            if refusal:
                raise ImageDecodeError(refusal)
            img = mmcv.imfrombytes(data, flag=self.color_type, backend=self.imdecode_backend)
        except ImageDecodeError:
            if self.ignore_empty:
                return None
            raise
        except Exception as error:  # mmcv raises what the file backend or decoder raised
            if self.ignore_empty:
                return None
            raise type(error)(f'{path}: {error} (LoadImage)') from None
        if img is None:
            if self.ignore_empty:
                return None
            raise ImageDecodeError(f'{path}: not a decodable image ({len(data)} bytes, LoadImage)')
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = results['ori_shape'] = img.shape[:2]
        return results

    def transform(self, results: dict):
        if results.get('img') is not None:
            img = results['img']
            if not isinstance(img, np.ndarray):
                raise TypeError(f'LoadImage: results["img"] must be a numpy array, got {type(img).__name__}')
            if self.to_float32:
                img = img.astype(np.float32)
            results['img'] = img
            results.setdefault('img_path', None)
            results['img_shape'] = results['ori_shape'] = img.shape[:2]
            return results
        if not self._reads_plain_local_files():
            return self._load_through_mmcv(results)
        path = results['img_path']
        try:
            img = read_image_bgr(path, self.max_image_pixels)
        except ImageLoadError as error:
            if self.ignore_empty:
                return None
            missing = isinstance(path, str) and not osp.exists(path)
            raise (ImageNotFoundError if missing else ImageDecodeError)(str(error)) from None
        self._warn_on_declared_size(results, img)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = results['ori_shape'] = img.shape[:2]
        return results
