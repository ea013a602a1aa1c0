from .random_state_checkpoint_hook import RandomStateCheckpointHook

__all__ = ['RandomStateCheckpointHook']
