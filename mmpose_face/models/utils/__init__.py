from .channel_attention import ChannelAttention
from .csp_layer import CSPLayer
from .cspnext_block import CSPNeXtBlock
from .darknet_bottleneck import DarknetBottleneck
from .exp_momentum_ema import ExpMomentumEMA
from .pck_accuracy import heatmap_pck_accuracy, normalised_pck_accuracy, simcc_pck_accuracy
from .realnvp import RealNVP
from .rtmcc_block import RTMCCBlock, Scale, rope
from .scale_norm import ScaleNorm
from .test_time_flip import flip_heatmaps, flip_normalised_coordinates, flip_vectors

__all__ = ['CSPLayer', 'CSPNeXtBlock', 'ChannelAttention', 'DarknetBottleneck', 'ExpMomentumEMA', 'RTMCCBlock',
           'RealNVP', 'Scale', 'ScaleNorm', 'flip_heatmaps', 'flip_normalised_coordinates', 'flip_vectors',
           'heatmap_pck_accuracy', 'normalised_pck_accuracy', 'rope', 'simcc_pck_accuracy']
