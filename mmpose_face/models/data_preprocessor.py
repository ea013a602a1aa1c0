"""Batching and normalisation of face crops on the model's device."""
import math

import torch
from mmengine.model import ImgDataPreprocessor
from torch import nn

from mmpose_face.registry import MODELS


@MODELS.register_module()
class PoseDataPreprocessor(ImgDataPreprocessor):
    """mmengine's image preprocessor under mmpose's name: stacks the (3, H, W)
    uint8 crops to (B, 3, H, W) float (padded to a multiple of
    ``pad_size_divisor`` with ``pad_value``), optionally BGR -> RGB, then
    ``(x - mean) / std`` per channel (``mean``/``std`` in 0-255 units).

    As mmpose, each data sample's metainfo gets ``batch_input_shape`` (H, W)
    of the batch and ``pad_shape`` (H, W) of its own padded crop, and
    ``batch_augments`` (model configs called as ``aug(inputs, data_samples)``)
    run on training batches.
    """

    def __init__(self, mean=None, std=None, pad_size_divisor: int = 1, pad_value=0, bgr_to_rgb: bool = False,
                 rgb_to_bgr: bool = False, non_blocking: bool = False, batch_augments=None):
        super().__init__(mean=mean, std=std, pad_size_divisor=pad_size_divisor, pad_value=pad_value,
                         bgr_to_rgb=bgr_to_rgb, rgb_to_bgr=rgb_to_bgr, non_blocking=non_blocking)
        self.batch_augments = (nn.ModuleList([MODELS.build(aug) for aug in batch_augments])
                               if batch_augments is not None else None)

    def padded_shapes(self, inputs) -> list:
        """(H, W) of each input after padding to ``pad_size_divisor``.

        inputs: a list of (C, H, W) tensors or a (B, C, H, W) tensor.
        """
        if isinstance(inputs, torch.Tensor):
            if inputs.dim() != 4:
                raise TypeError(f'PoseDataPreprocessor: inputs should be a (B, C, H, W) tensor or a list of '
                                f'(C, H, W) tensors, got a tensor of shape {tuple(inputs.shape)}')
            shapes = [tuple(inputs.shape[2:])] * inputs.shape[0]
        else:
            shapes = [tuple(x.shape[1:]) for x in inputs]
        divisor = self.pad_size_divisor
        return [(math.ceil(h / divisor) * divisor, math.ceil(w / divisor) * divisor) for h, w in shapes]

    def forward(self, data: dict, training: bool = False) -> dict:
        pad_shapes = self.padded_shapes(data['inputs'])
        data = super().forward(data=data, training=training)
        inputs, data_samples = data['inputs'], data['data_samples']
        if data_samples is not None:
            batch_input_shape = tuple(inputs[0].size()[-2:])
            for data_sample, pad_shape in zip(data_samples, pad_shapes):
                data_sample.set_metainfo({'batch_input_shape': batch_input_shape, 'pad_shape': pad_shape})
        if training and self.batch_augments is not None:
            for batch_augment in self.batch_augments:
                inputs, data_samples = batch_augment(inputs, data_samples)
        return {'inputs': inputs, 'data_samples': data_samples}
