from .l1_loss import L1Loss
from .mse_loss import MSELoss
from .smooth_l1_loss import SmoothL1Loss
from .soft_wing_loss import SoftWingLoss
from .wing_loss import WingLoss

__all__ = ['L1Loss', 'MSELoss', 'SmoothL1Loss', 'SoftWingLoss', 'WingLoss']
