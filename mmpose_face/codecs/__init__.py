from .regression_label import RegressionLabel

__all__ = ['RegressionLabel']
