from .channel_attention import ChannelAttention
from .csp_layer import CSPLayer
from .cspnext_block import CSPNeXtBlock
from .darknet_bottleneck import DarknetBottleneck
from .pck_accuracy import heatmap_pck_accuracy, normalised_pck_accuracy
from .realnvp import RealNVP
from .test_time_flip import flip_heatmaps, flip_normalised_coordinates

__all__ = ['CSPLayer', 'CSPNeXtBlock', 'ChannelAttention', 'DarknetBottleneck', 'RealNVP', 'flip_heatmaps',
           'flip_normalised_coordinates', 'heatmap_pck_accuracy', 'normalised_pck_accuracy']
