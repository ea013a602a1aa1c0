from .pck_accuracy import normalised_pck_accuracy
from .realnvp import RealNVP

__all__ = ['RealNVP', 'normalised_pck_accuracy']
