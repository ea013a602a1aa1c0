"""Mixed precision without a loss scaler: bf16 autocast around the forward pass."""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper

from mmpose_face.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose ``optim_context`` runs the data preprocessor and
    forward pass under ``torch.autocast(device, dtype)``.

    bfloat16 keeps float32's exponent range, so it needs no loss scaling;
    mmengine's ``AmpOptimWrapper`` always brings a ``GradScaler``, whose
    ``step`` reads an inf/NaN flag on the host every iteration and is
    CUDA-only. The backward pass and the optimizer step run outside autocast
    (as ``BaseModel.train_step`` calls them), on float32 weights.

    Args:
        dtype: ``'bfloat16'`` (default) or ``'float16'``.
        enabled: False turns autocast off (float32 everywhere).
        Other arguments as ``OptimWrapper``.
    """

    def __init__(self, dtype: str = 'bfloat16', enabled: bool = True, **kwargs):
        super().__init__(**kwargs)
        if dtype not in ('bfloat16', 'float16'):
            raise ValueError(f"AutocastOptimWrapper: dtype must be 'bfloat16' or 'float16', got {dtype!r}")
        self.cast_dtype = getattr(torch, dtype)
        self.enabled = enabled

    @contextmanager
    def optim_context(self, model):
        device_type = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(device_type, dtype=self.cast_dtype,
                                                          enabled=self.enabled):
            yield
