"""Data loader settings fitted to the machine a run starts on.

A config written for an 8-GPU server asks for ``num_workers=2`` per GPU
and ``pin_memory=True``; on a laptop or a 2-core container torch then warns
("will create N worker processes ... suggested max") and pins nothing
("'pin_memory' ... no accelerator"). :func:`fit_dataloaders_to_machine`
caps the workers at the cores this process may use, saying so once, and
turns pinning off where there is no accelerator.
"""
import os

import torch

LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def usable_cores() -> int:
    """The CPU cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def accelerator_available() -> bool:
    accelerator = getattr(torch, 'accelerator', None)
    return accelerator.is_available() if accelerator is not None else torch.cuda.is_available()


def fit_dataloaders_to_machine(cfg, config_path: str, cores: int = None) -> str:
    """Cap each data loader's ``num_workers`` at ``cores`` (default :func:`usable_cores`)
    and set ``pin_memory=False`` without an accelerator, in ``cfg`` in place.

    Returns:
        the one line that says what was capped (printed by the first process), or ``''``.
    """
    cores = usable_cores() if cores is None else cores
    capped = []
    for name in LOADERS:
        loader = cfg.get(name)
        if not isinstance(loader, dict):  # None: no validation
            continue
        workers = loader.get('num_workers', 0)
        if isinstance(workers, int) and workers > cores:
            loader.num_workers = cores
            capped.append(f'{name} {workers}')
        if loader.get('pin_memory') and not accelerator_available():
            loader.pin_memory = False
    if not capped:
        return ''
    message = (f'{config_path}: num_workers capped at the {cores} CPU core{"s" if cores > 1 else ""} this process '
               f'may use (the config asks {", ".join(capped)})')
    if int(os.environ.get('RANK', '0')) == 0:  # once, not once per process
        print(message)
    return message
