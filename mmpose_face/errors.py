"""The error classes of mmpose_face, at the bottom of the package.

Every layer raises and catches these, so they import nothing of the package
(tools' ``cli.py`` turns each into one ``error:`` line). Each names, in its
message, the file (and item) and the reason.
"""


class ImageLoadError(OSError):
    """An image that is missing or cannot be decoded; the message names it."""


class WFLWAnnotationError(ValueError):
    """An annotation that cannot describe a face; the message names file and id."""


class WFLWFormatError(ValueError):
    """Bad WFLW input; the message reads ``<path>:<line>: <reason>``.

    ``line`` is 1-based, or None where the problem is not on one line.
    """

    def __init__(self, path, line, reason):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = self.path if line is None else f'{self.path}:{line}'
        super().__init__(f'{where}: {reason}')

    def __reduce__(self):
        return type(self), (self.path, self.line, self.reason)


class FaceCropCacheError(RuntimeError):
    """A face crop cache that is missing, incomplete or built for other data."""


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


class ModelDownloadError(RuntimeError):
    """A released checkpoint could not be fetched (offline, or the server refused);
    the message names the URL and the path to put the file at."""
