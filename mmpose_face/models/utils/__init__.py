from .exp_momentum_ema import ExpMomentumEMA
from .pck_accuracy import heatmap_pck_accuracy, normalised_pck_accuracy
from .realnvp import RealNVP
from .test_time_flip import flip_heatmaps, flip_normalised_coordinates

__all__ = ['ExpMomentumEMA', 'RealNVP', 'flip_heatmaps', 'flip_normalised_coordinates', 'heatmap_pck_accuracy',
           'normalised_pck_accuracy']
