"""How the tools end on bad input: one line naming the file and the reason, no traceback."""
import os
import sys

from mmpose_face.datasets.transforms.loading import ImageLoadError
from mmpose_face.datasets.wflw_dataset import WFLWAnnotationError
from mmpose_face.engine.checkpoint_loading import (CheckpointHashError, CheckpointMismatchError,
                                                   UnsafeCheckpointError)

USER_ERRORS = (FileNotFoundError, ImageLoadError, WFLWAnnotationError, CheckpointHashError,
               CheckpointMismatchError, UnsafeCheckpointError, KeyError, ValueError, TypeError,
               RuntimeError, OSError)
DEBUG_ENV = 'MMPOSE_FACE_DEBUG'


def run_tool(main, *args) -> int:
    """Run ``main(*args)``; known errors become ``error: <message>`` and exit code 1.

    Set ``MMPOSE_FACE_DEBUG=1`` to see the full traceback instead.
    """
    try:
        main(*args)
    except USER_ERRORS as error:
        if os.environ.get(DEBUG_ENV):
            raise
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f'error: {message}\n(set {DEBUG_ENV}=1 for the traceback)', file=sys.stderr)
        return 1
    return 0
