"""ResNet backbone with mmpose's parameter names (torchvision's layers)."""
import torch
from mmengine.model import BaseModule
from torchvision.models.resnet import BasicBlock, Bottleneck
from torchvision.models.resnet import ResNet as TorchvisionResNet

from mmpose_face.errors import UserInputKeyError
from mmpose_face.registry import MODELS


@MODELS.register_module()
class ResNet(BaseModule):
    """ResNet-18/34/50/101/152 without its classifier.

    Parameter names are those of mmpose checkpoints (``conv1``, ``bn1``,
    ``layer1.0.conv1``, ``layer1.0.downsample.0`` ...), which are also
    torchvision's, so ``init_cfg=dict(type='Pretrained',
    checkpoint='torchvision://resnet50')`` loads ImageNet weights.

    Args:
        depth: 18, 34, 50, 101 or 152.
        out_indices: which stages' feature maps to return (0-3).

    Shapes: (B, 3, H, W) -> tuple of (B, C_i, H / 2**(i+2), W / 2**(i+2)),
    C = 512 (ResNet-18/34) or 2048 (deeper) for the last stage.
    """

    arch_settings = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(self, depth: int, out_indices=(3, ), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if depth not in self.arch_settings:
            raise UserInputKeyError(f'ResNet: invalid depth {depth}; choose from {sorted(self.arch_settings)}')
        block, stage_blocks = self.arch_settings[depth]
        reference = TorchvisionResNet(block, list(stage_blocks))
        self.conv1, self.bn1 = reference.conv1, reference.bn1
        self.relu, self.maxpool = reference.relu, reference.maxpool
        self.layer1, self.layer2 = reference.layer1, reference.layer2
        self.layer3, self.layer4 = reference.layer3, reference.layer4
        self.out_indices = tuple(out_indices)
        self.out_channels = [64 * block.expansion * 2**i for i in range(4)]

    def forward(self, x: torch.Tensor) -> tuple:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        outs = []
        for i, layer in enumerate((self.layer1, self.layer2, self.layer3, self.layer4)):
            x = layer(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
