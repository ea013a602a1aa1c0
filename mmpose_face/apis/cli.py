"""How the tools end on bad input: one line naming the file and the reason, no traceback."""
import os
import sys

from mmpose_face.datasets.transforms.loading import ImageLoadError
from mmpose_face.datasets.wflw_dataset import WFLWAnnotationError
from mmpose_face.engine.checkpoint_loading import (CheckpointHashError, CheckpointMismatchError,
                                                   UnsafeCheckpointError)
from mmpose_face.models.pose_estimator import NonFiniteLossError

USER_ERRORS = (FileNotFoundError, ImageLoadError, WFLWAnnotationError, CheckpointHashError,
               CheckpointMismatchError, UnsafeCheckpointError, NonFiniteLossError, KeyError, ValueError,
               TypeError, RuntimeError, OSError)
DEBUG_ENV = 'MMPOSE_FACE_DEBUG'
_WORKER_PREFIX = 'Caught '


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


def run_tool(main, *args) -> int:
    """Run ``main(*args)``; known errors become ``error: <message>`` and exit code 1.

    Set ``MMPOSE_FACE_DEBUG=1`` to see the full traceback instead.
    """
    try:
        main(*args)
    except USER_ERRORS as error:
        if os.environ.get(DEBUG_ENV):
            raise
        print(f'error: {user_message(error)}\n(set {DEBUG_ENV}=1 for the traceback)', file=sys.stderr)
        return 1
    return 0
