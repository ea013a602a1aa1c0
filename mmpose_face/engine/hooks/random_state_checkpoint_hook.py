"""Random number generator states in checkpoints, so that a resumed run draws
the same augmentations as an uninterrupted one."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from mmpose_face.registry import HOOKS


@HOOKS.register_module()
class RandomStateCheckpointHook(Hook):
    """Save python, numpy and torch (CPU and CUDA) RNG states with each
    checkpoint and restore them on resume.

    Exact for augmentation drawn in the main process (``num_workers=0``) and
    in non-persistent workers, which mmengine re-seeds every epoch;
    persistent workers keep their own state, which no checkpoint holds.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        _, numpy_keys, numpy_pos, numpy_has_gauss, numpy_gauss = np.random.get_state()
        checkpoint['random_state'] = dict(
            python=random.getstate(),
            numpy=dict(keys=torch.from_numpy(numpy_keys.astype(np.int64)), pos=int(numpy_pos),
                       has_gauss=int(numpy_has_gauss), cached_gaussian=float(numpy_gauss)),
            torch=torch.get_rng_state(),
            cuda=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('random_state')
        if not state:
            return
        random.setstate(state['python'])
        numpy_state = state['numpy']
        np.random.set_state(('MT19937', numpy_state['keys'].numpy().astype(np.uint32), numpy_state['pos'],
                             numpy_state['has_gauss'], numpy_state['cached_gaussian']))
        torch.set_rng_state(state['torch'])
        if state['cuda'] and torch.cuda.is_available() and len(state['cuda']) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(state['cuda'])
