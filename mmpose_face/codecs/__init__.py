from .base_keypoint_codec import BaseKeypointCodec
from .integral_regression_label import IntegralRegressionLabel
from .msra_heatmap import MSRAHeatmap
from .regression_label import RegressionLabel
from .simcc_label import SimCCLabel

__all__ = ['BaseKeypointCodec', 'IntegralRegressionLabel', 'MSRAHeatmap', 'RegressionLabel', 'SimCCLabel']
