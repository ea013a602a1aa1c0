"""``norm_eval``: BatchNorm layers that keep their running statistics while the rest trains."""
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def freeze_batch_norm_statistics(module: nn.Module) -> None:
    """Put every BatchNorm (and SyncBN) of ``module`` in eval mode: they normalise with
    their running mean and variance and stop updating them (backbones' ``norm_eval``)."""
    for child in module.modules():
        if isinstance(child, _BatchNorm):
            child.eval()
