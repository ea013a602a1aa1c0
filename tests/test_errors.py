"""The error classes: each keeps the built-in type that callers (and mmpose's users) catch, the user
errors are marked so the tools print them as one line, and messages name their file and line."""
import pickle
import subprocess
import sys

import pytest

from mmpose_face import errors

# error class -> built-in types it must still be (what mmpose raises, or callers catch)
KEPT_TYPES = {
    errors.ImageNotFoundError: (FileNotFoundError, OSError), errors.ImageDecodeError: (AssertionError, OSError),
    errors.FaceAnnotationError: (errors.WFLWAnnotationError, ValueError), errors.UserInputKeyError: (KeyError, ),
    errors.UserInputTypeError: (TypeError, ), errors.ConfigError: (ValueError, ),
    errors.WorkDirError: (OSError, ), errors.MissingTargetWeightError: (ValueError, AssertionError),
    errors.OptionalDependencyError: (ImportError, RuntimeError),
    errors.DownloadHashError: (errors.CheckpointDownloadError, errors.CheckpointHashError),
    errors.NonFiniteLossError: (FloatingPointError, ), errors.CheckpointWriteError: (OSError, )}
USER_ERRORS = (errors.UserInputKeyError, errors.UserInputTypeError, errors.UserInputRuntimeError, errors.ConfigError,
               errors.SettingError, errors.CheckpointReadError, errors.CheckpointDownloadError, errors.ResumeError,
               errors.WorkDirError, errors.ConfigCompatibilityError, errors.OptionalDependencyError)


@pytest.mark.parametrize('error_class, kept', list(KEPT_TYPES.items()), ids=lambda item: getattr(item, '__name__', ''))
def test_each_error_keeps_the_built_in_types_callers_catch(error_class, kept):
    assert issubclass(error_class, kept)


def test_user_errors_are_marked_and_bugs_are_not():
    assert all(issubclass(error_class, errors.UserInputError) for error_class in USER_ERRORS)
    assert not issubclass(errors.CheckpointHashError, errors.UserInputError)
    assert errors.ModelDownloadError is errors.CheckpointDownloadError  # the one download error


def test_key_errors_print_their_message_unquoted():
    assert str(errors.UserInputKeyError('cfg.py: no model.head')) == 'cfg.py: no model.head'
    assert str(errors.ConfigCompatibilityError('cfg.py: mmpose scope')) == 'cfg.py: mmpose scope'
    assert str(KeyError('quoted')) == "'quoted'"


def test_release_format_errors_name_the_file_and_line_and_survive_pickling():
    error = errors.WFLWFormatError('list.txt', 12, 'expected 207 fields, got 3')
    assert str(error) == 'list.txt:12: expected 207 fields, got 3'
    assert str(errors.ReleaseFormatError('faces.json', None, 'annotation id 4: no bbox')) == \
        'faces.json: annotation id 4: no bbox'
    copy = pickle.loads(pickle.dumps(error))  # as a converter's worker process hands it back
    assert type(copy) is errors.WFLWFormatError
    assert (copy.path, copy.line, copy.reason) == (error.path, 12, error.reason)


def test_errors_import_nothing_of_the_package():
    code = 'import sys, mmpose_face.errors; print(sorted(m for m in sys.modules if m.startswith("mmpose_face")))'
    finished = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "['mmpose_face', 'mmpose_face.errors']"
