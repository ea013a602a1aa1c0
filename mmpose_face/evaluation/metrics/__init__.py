from .nme_metric import NME

__all__ = ['NME']
