"""DDP over a channels-last model, for the fast path under ``dist_train.sh``."""
import torch
from mmengine.model import MMDistributedDataParallel

from mmpose_face.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class ChannelsLastDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` whose module is made channels-last first.

    DDP lays out its gradient buckets by the parameters' strides when it is
    built; converting the model afterwards (as ``FastEpochBasedTrainLoop``
    does for a single process) would make every step copy gradients across
    layouts, and torch warns "Grad strides do not match bucket view strides".
    Arguments as ``MMDistributedDataParallel``.
    """

    def __init__(self, module, **kwargs):
        super().__init__(module=module.to(memory_format=torch.channels_last), **kwargs)
