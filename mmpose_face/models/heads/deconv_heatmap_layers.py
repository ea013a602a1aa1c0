"""SimpleBaseline's upsampling stack: deconvolutions, optional convolutions, a 1x1 to K maps."""
from mmengine.model import BaseModule
from torch import nn

_DECONV_PADDING = {4: (1, 0), 3: (1, 1), 2: (0, 0)}  # kernel -> (padding, output_padding): exact x2


class DeconvHeatmapLayers(BaseModule):
    """Feature map (B, C, h, w) -> heatmap logits (B, K, h * 2^n, w * 2^n).

    Each deconvolution (stride 2, no bias) is followed by BatchNorm and ReLU,
    likewise each convolution. Attribute names (``deconv_layers``,
    ``conv_layers``, ``final_layer``) are those of mmpose's ``HeatmapHead``,
    which the integral heads keep as ``simplebaseline_head``, so checkpoints load.

    Args:
        in_channels: C.
        out_channels: K.
        deconv_out_channels, deconv_kernel_sizes: one entry per deconvolution
            (kernel 2, 3 or 4); empty or None for none.
        conv_out_channels, conv_kernel_sizes: the same for convolutions after them.
        final_layer: keyword arguments of the last ``nn.Conv2d`` (None: no such layer).
    """

    def __init__(self, in_channels: int, out_channels: int, deconv_out_channels=(256, 256, 256),
                 deconv_kernel_sizes=(4, 4, 4), conv_out_channels=None, conv_kernel_sizes=None,
                 final_layer=dict(kernel_size=1), init_cfg=None):
        if init_cfg is None:
            init_cfg = [dict(type='Normal', layer=['Conv2d', 'ConvTranspose2d'], std=0.001),
                        dict(type='Constant', layer='BatchNorm2d', val=1)]
        super().__init__(init_cfg=init_cfg)
        self.deconv_layers, self.conv_layers, self.final_layer = self.build_layers(
            in_channels, out_channels, deconv_out_channels, deconv_kernel_sizes, conv_out_channels,
            conv_kernel_sizes, final_layer)

    @classmethod
    def build_layers(cls, in_channels: int, out_channels: int, deconv_out_channels, deconv_kernel_sizes,
                     conv_out_channels, conv_kernel_sizes, final_layer):
        """The three stages (``nn.Identity`` where empty), for a module that names them
        itself (:class:`HeatmapHead` keeps them at its top level, as mmpose)."""
        deconv_layers, in_channels = cls._stack('deconv', in_channels, deconv_out_channels,
                                                deconv_kernel_sizes)
        conv_layers, in_channels = cls._stack('conv', in_channels, conv_out_channels, conv_kernel_sizes)
        if final_layer is not None:
            arguments = {'kernel_size': 1, **{k: v for k, v in final_layer.items() if k != 'type'}}
            last = nn.Conv2d(in_channels, out_channels, **arguments)
        else:
            last = nn.Identity()
        return deconv_layers, conv_layers, last

    @staticmethod
    def _stack(kind: str, in_channels: int, out_channels, kernel_sizes):
        if not out_channels:
            return nn.Identity(), in_channels
        if kernel_sizes is None or len(out_channels) != len(kernel_sizes):
            raise ValueError(f'"{kind}_out_channels" and "{kind}_kernel_sizes" should be integer '
                             f'sequences with the same length. Got {out_channels} and {kernel_sizes}')
        layers = []
        for channels, kernel_size in zip(out_channels, kernel_sizes):
            if kind == 'deconv':
                if kernel_size not in _DECONV_PADDING:
                    raise ValueError(f'Unsupported kernel size {kernel_size} for deconvolutional '
                                     'layers (2, 3 or 4)')
                padding, output_padding = _DECONV_PADDING[kernel_size]
                layers.append(nn.ConvTranspose2d(in_channels, channels, kernel_size, stride=2,
                                                 padding=padding, output_padding=output_padding,
                                                 bias=False))
            else:
                layers.append(nn.Conv2d(in_channels, channels, kernel_size, stride=1,
                                        padding=(kernel_size - 1) // 2))
            layers += [nn.BatchNorm2d(channels), nn.ReLU(inplace=True)]
            in_channels = channels
        return nn.Sequential(*layers), in_channels

    def forward(self, feats):
        """feats: tuple whose last item is (B, C, h, w)."""
        return self.final_layer(self.conv_layers(self.deconv_layers(feats[-1])))
