from .cspnext import CSPNeXt
from .resnet import ResNet, ResNetV1d

__all__ = ['CSPNeXt', 'ResNet', 'ResNetV1d']
