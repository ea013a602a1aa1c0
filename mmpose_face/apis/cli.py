"""How the tools end on bad input: one line naming the file and the reason, no traceback.

Only errors that bad input, a bad setting or the machine cause are turned
into that line: this package's error classes (:mod:`mmpose_face.errors`,
including every :class:`~mmpose_face.errors.UserInputError`), ``OSError``
(missing files, full disks, permissions), ``ValueError`` (values that
cannot work) and mmengine's registry ``KeyError`` for a ``type`` the config
names and nobody registered. Any other ``KeyError``, ``TypeError`` or
``RuntimeError`` is a bug and keeps its traceback.
"""
import argparse
import os
import sys

from mmengine.config import DictAction

from mmpose_face.errors import (CheckpointHashError, CheckpointMismatchError, CheckpointWriteError, ConfigError,
                                FaceCropCacheError, ImageLoadError, NonFiniteLossError, OnnxCheckError,
                                UnsafeCheckpointError, UserInputError, WFLWAnnotationError)

USER_ERRORS = (UserInputError, FileNotFoundError, ImageLoadError, WFLWAnnotationError, CheckpointHashError,
               CheckpointMismatchError, UnsafeCheckpointError, CheckpointWriteError, NonFiniteLossError,
               FaceCropCacheError, OnnxCheckError, OSError, ValueError)
DEBUG_ENV = 'MMPOSE_FACE_DEBUG'
_WORKER_PREFIX = 'Caught '


def is_user_error(error: BaseException) -> bool:
    """Whether ``error`` comes from the user's input or machine (one line) or is a bug (traceback)."""
    if isinstance(error, USER_ERRORS):
        return True
    message = str(error.args[0]) if error.args else ''
    # mmengine's Registry.build: "X is not in the mmpose_face::model registry. Please check ..."
    return isinstance(error, KeyError) and ' is not in the ' in message and ' registry' in message


def user_message(error: BaseException) -> str:
    """The message of ``error`` without the worker traceback that torch's
    DataLoader puts into errors raised in a worker process ("Caught X in
    DataLoader worker process N. Original Traceback ... X: message")."""
    message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    if not (message.startswith(_WORKER_PREFIX) and '\nOriginal Traceback' in message):
        return message
    lines = message.rstrip('\n').splitlines()
    last_frame = max(i for i, line in enumerate(lines) if line.startswith(' ') or i == 1)
    original = '\n'.join(lines[last_frame + 1:])  # "package.ErrorType: message"
    head, separator, rest = original.partition(': ')
    return rest if separator and ' ' not in head else original


class CfgOptionsAction(DictAction):
    """mmengine's ``--cfg-options`` parser, with an argparse error (not a traceback)
    for an item without ``=``."""

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values if isinstance(values, list) else [values]:
            if '=' not in item:
                raise argparse.ArgumentError(
                    self, f'{item!r} has no "=": write KEY=VALUE, e.g. train_cfg.max_epochs=10')
        super().__call__(parser, namespace, values, option_string)


_MISSING = object()


def _config_value(cfg, key: str):
    """The value at the dotted ``key`` (``a.b.0.c``) of a config, or ``_MISSING``."""
    value = getattr(cfg, '_cfg_dict', cfg)  # mmengine's Config holds a ConfigDict (a dict)
    for part in key.split('.'):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_cfg_option_types(cfg, cfg_options: dict, config_path: str) -> None:
    """Refuse a ``--cfg-options`` value of another kind than the setting it replaces
    (``optim_wrapper.optimizer.lr=abc``, ``train_cfg.val_interval=abc``) with a
    :class:`ConfigError` naming the option, before anything runs: a number must stay a
    number (int or float), a yes/no a bool (``None`` is taken everywhere). New keys, and
    settings that are ``None``, strings, lists or dicts in the config, take any value."""
    for key, value in cfg_options.items():
        current = _config_value(cfg, key)
        if current is _MISSING or current is None or value is None:  # None: mmengine's "off" / default
            continue
        if isinstance(current, bool) and not isinstance(value, bool):
            kind = 'True or False'
        elif _is_number(current) and not _is_number(value):
            kind = 'a number'
        else:
            continue
        raise ConfigError(f'{config_path}: --cfg-options {key}={value!r}: {key} must be {kind} (the config has '
                          f'{current!r}); nothing was run')


def run_tool(main, *args) -> int:
    """Run ``main(*args)``; user errors become ``error: <message>`` and exit code 1.

    Set ``MMPOSE_FACE_DEBUG=1`` to see the full traceback instead.
    """
    try:
        main(*args)
    except Exception as error:  # noqa: BLE001  sorted below: bugs are raised again
        if not is_user_error(error) or os.environ.get(DEBUG_ENV):
            raise
        print(f'error: {user_message(error)}\n(set {DEBUG_ENV}=1 for the traceback)', file=sys.stderr)
        return 1
    finally:
        close_process_group()
    return 0


def close_process_group() -> None:
    """End the launcher's process group (``dist_train.sh`` / ``dist_test.sh``) when the tool ends:
    a rank that exits with gloo's threads still running can abort ("terminate called without
    an active exception", exit code -6) after its work is done."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
