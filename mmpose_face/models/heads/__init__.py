from .base_head import BaseHead
from .dsnt_head import DSNTHead
from .heatmap_head import HeatmapHead
from .integral_regression_head import IntegralRegressionHead
from .regression_head import RegressionHead
from .rle_head import RLEHead
from .rtmcc_head import RTMCCHead

__all__ = ['BaseHead', 'DSNTHead', 'HeatmapHead', 'IntegralRegressionHead', 'RegressionHead', 'RLEHead', 'RTMCCHead']
