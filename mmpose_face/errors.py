"""The error classes of mmpose_face, at the bottom of the package.

Every layer raises and catches these, so they import nothing of the package
(tools' ``cli.py`` turns each into one ``error:`` line). Each names, in its
message, the file (and item) and the reason.
"""


class ImageLoadError(OSError):
    """An image that is missing or cannot be decoded; the message names it."""


class WFLWAnnotationError(ValueError):
    """An annotation that cannot describe a face; the message names file and id."""


class ReleaseFormatError(ValueError):
    """Bad input in a benchmark's release files; the message reads ``<path>:<line>: <reason>``.

    ``line`` is 1-based, or None where the problem is not on one line (the
    reason then names the item: a record index, an annotation id).
    """

    def __init__(self, path, line, reason):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f'{self.path}:{line}'
        super().__init__(f'{where}: {reason}')

    def __reduce__(self):
        return type(self), (self.path, self.line, self.reason)


class WFLWFormatError(ReleaseFormatError):
    """Bad WFLW release input; the message reads ``<path>:<line>: <reason>``."""


class FaceCropCacheError(RuntimeError):
    """A face crop cache that is missing, incomplete or built for other data."""


class FastPathPipelineError(ValueError):
    """A train pipeline step the fast path cannot reproduce; the message names it."""


class CheckpointWriteError(OSError):
    """A file could not be written completely; the previous version is kept."""


class UnsafeCheckpointError(RuntimeError):
    """The file needs unpickling beyond the allow-list."""


class CheckpointHashError(RuntimeError):
    """The file's SHA-256 does not start with the hash in its name."""


class CheckpointMismatchError(RuntimeError):
    """The checkpoint's parameters do not fit the model."""


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite; raised before the step touches the weights."""


class OnnxCheckError(RuntimeError):
    """The exported ONNX model does not reproduce the PyTorch model."""


class FaceAnnotationError(WFLWAnnotationError):
    """An annotation file or entry of any face data set that cannot describe a
    face; the message names the file, the annotation or image id and the reason.

    A :class:`WFLWAnnotationError` (hence a ValueError), so every handler of
    that catches it.
    """


class UserInputError(Exception):
    """Marker of an error that bad input, a bad setting or the machine causes, not a bug.

    The tools print its message as one ``error:`` line; any other KeyError,
    TypeError or RuntimeError keeps its traceback. Raise one of the
    subclasses below (each keeps the built-in type callers catch).
    """


class UserInputKeyError(UserInputError, KeyError):
    """A name that the config or a file asks for and that does not exist."""

    def __str__(self):  # KeyError's str() quotes its argument
        return str(self.args[0]) if self.args else ''


class UserInputTypeError(UserInputError, TypeError):
    """A setting of the wrong kind."""


class UserInputRuntimeError(UserInputError, RuntimeError):
    """Something the machine or the environment cannot do (no GPU, no display)."""


class ConfigError(UserInputError, ValueError):
    """A config file or option that cannot work: a syntax error, ``--cfg-options`` without
    ``=``, a value out of range, a package the config needs that is not installed."""


class SettingError(UserInputError, ValueError):
    """An environment variable whose value is not understood; the message names it."""


class CheckpointReadError(UserInputError, RuntimeError):
    """A file that cannot be read as a checkpoint (empty, truncated, not an archive)."""


class CheckpointDownloadError(UserInputError, RuntimeError):
    """A download that failed or arrived incomplete; nothing was put in the cache."""


class ResumeError(UserInputError, RuntimeError):
    """A checkpoint that cannot be resumed as asked (weights only, finished run)."""


class WorkDirError(UserInputError, OSError):
    """The work dir cannot be written (full disk, no permission); the message says how much is missing."""


class MissingTargetWeightError(ValueError, AssertionError):
    """A loss with ``use_target_weight=True`` called without weights (mmpose asserts)."""


class ConfigCompatibilityError(UserInputError, KeyError):
    """A config that names mmpose's scope or a part this project does not have;
    the message names the config, the part and what to change."""

    def __str__(self):  # KeyError would print the message quoted
        return str(self.args[0]) if self.args else ''


class ImageNotFoundError(ImageLoadError, FileNotFoundError):
    """The image file does not exist (mmpose raises FileNotFoundError)."""


class ImageDecodeError(ImageLoadError, AssertionError):
    """The image file exists but does not decode (mmpose/mmcv assert)."""


class OptionalDependencyError(UserInputError, ImportError, RuntimeError):
    """An optional extra is not installed; the message names the extra to install."""


class DownloadHashError(CheckpointDownloadError, CheckpointHashError):
    """A download whose SHA-256 is not the one its name promises; nothing was cached."""


# The inferencer's name for the one download error (mmpose_face.checkpoint_download).
ModelDownloadError = CheckpointDownloadError
