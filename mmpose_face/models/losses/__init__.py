from .js_discrete_loss import JSDiscretLoss
from .keypoint_mse_loss import KeypointMSELoss
from .kl_discret_loss import KLDiscretLoss
from .l1_loss import L1Loss
from .mse_loss import MSELoss
from .multiple_loss_wrapper import MultipleLossWrapper
from .rle_loss import RLELoss
from .smooth_l1_loss import SmoothL1Loss
from .soft_wing_loss import SoftWingLoss
from .wing_loss import WingLoss

__all__ = ['JSDiscretLoss', 'KeypointMSELoss', 'KLDiscretLoss', 'L1Loss', 'MSELoss', 'MultipleLossWrapper',
           'RLELoss', 'SmoothL1Loss', 'SoftWingLoss', 'WingLoss']
