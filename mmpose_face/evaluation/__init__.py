from .metrics import NME

__all__ = ['NME']
