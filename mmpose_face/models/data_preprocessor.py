"""Batching and normalisation of face crops on the model's device."""
from mmengine.model import ImgDataPreprocessor

from mmpose_face.registry import MODELS


@MODELS.register_module()
class PoseDataPreprocessor(ImgDataPreprocessor):
    """mmengine's image preprocessor under mmpose's name: stacks the (3, H, W)
    uint8 crops to (B, 3, H, W) float, optionally BGR -> RGB, then
    ``(x - mean) / std`` per channel (``mean``/``std`` in 0-255 units)."""
