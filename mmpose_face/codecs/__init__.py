from .integral_regression_label import IntegralRegressionLabel
from .regression_label import RegressionLabel

__all__ = ['IntegralRegressionLabel', 'RegressionLabel']
