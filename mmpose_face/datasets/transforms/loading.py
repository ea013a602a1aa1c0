"""Reading the photograph a face is in."""
from mmpose_face.errors import ImageLoadError  # noqa: F401 (re-exported)
from mmpose_face.fileio import read_image_bgr
from mmpose_face.registry import TRANSFORMS


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
