"""Random number generator states in checkpoints, so that a resumed run draws
the same augmentations as an uninterrupted one."""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

from mmpose_face.registry import HOOKS


def get_random_state() -> dict:
    """Python, numpy and torch (CPU and CUDA) generator states, as tensors and plain types
    (what ``torch.load(weights_only=True)`` reads back)."""
    _, numpy_keys, numpy_pos, numpy_has_gauss, numpy_gauss = np.random.get_state()
    return dict(
        python=random.getstate(),
        numpy=dict(keys=torch.from_numpy(numpy_keys.astype(np.int64)), pos=int(numpy_pos),
                   has_gauss=int(numpy_has_gauss), cached_gaussian=float(numpy_gauss)),
        torch=torch.get_rng_state(),
        cuda=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [])


def set_random_state(state: dict) -> None:
    """Undo :func:`get_random_state`'s conversion and restore every generator."""
    random.setstate(state['python'])
    numpy_state = state['numpy']
    np.random.set_state(('MT19937', numpy_state['keys'].numpy().astype(np.uint32), numpy_state['pos'],
                         numpy_state['has_gauss'], numpy_state['cached_gaussian']))
    torch.set_rng_state(state['torch'])
    if state['cuda'] and torch.cuda.is_available() and len(state['cuda']) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
class RandomStateCheckpointHook(Hook):
    """Save the random states with each checkpoint, restore them on resume,
    and keep validation from drawing on the training stream.

    mmengine saves the epoch checkpoint before validating, and saves it again
    after validating only when the best score improved; validation also
    draws from torch's generator (each data loader iterator takes a seed).
    Restoring the training state after validation makes the state in either
    save equal to the one the next epoch starts from, and makes the training
    stream independent of how often one validates.

    Exact for augmentation drawn in the main process (``num_workers=0``) and
    in non-persistent workers, which mmengine re-seeds every epoch;
    persistent workers keep their own state, which no checkpoint holds.
    """

    # before CheckpointHook (VERY_LOW), whose after_val_epoch re-saves the checkpoint
    priority = 'LOW'

    def __init__(self):
        self._training_state = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['random_state'] = get_random_state()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if checkpoint.get('random_state'):
            set_random_state(checkpoint['random_state'])

    def before_val_epoch(self, runner) -> None:
        self._training_state = get_random_state()

    def after_val_epoch(self, runner, metrics=None) -> None:
        if self._training_state is not None:
            set_random_state(self._training_state)
            self._training_state = None
