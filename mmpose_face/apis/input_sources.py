"""What inference reads: image files, folders of images, BGR arrays, video files and webcams.

:func:`list_inputs` turns what the user gave into :class:`InputSource` items;
:func:`read_frames` yields the images of one of them (one per image, every
frame of a video or webcam). The demo and the inferencer both read through
these two functions.
"""
import os
import os.path as osp
from dataclasses import dataclass

import cv2
import numpy as np

from mmpose_face.fileio import read_image_bgr

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')
DEFAULT_FPS = 25.


def printable_path(path: str) -> str:
    """``path`` with bytes that are not UTF-8 shown as ``\\xNN`` (a file name
    from ``os.listdir`` holds them as lone surrogates, which cannot be printed)."""
    return str(path).encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace')


def check_utf8_name(path: str) -> str:
    """``path``, or :class:`ValueError` naming it when it is not valid UTF-8
    (OpenCV crashes on such names and they cannot be printed)."""
    try:
        str(path).encode('utf-8')
    except UnicodeEncodeError:
        raise ValueError(f'{printable_path(path)}: the file name is not valid UTF-8; rename the file') from None
    return str(path)


@dataclass(frozen=True, eq=False)
class InputSource:
    """One input.

    Attributes:
        kind: ``'image'``, ``'array'``, ``'video'`` or ``'webcam'``.
        value: the path (image, video), the (H, W, 3) BGR array, or the camera index.
        name: the file name its outputs are named after (``'a.jpg'``; an array
            ``'00000003.jpg'`` by its position; a webcam ``'webcam_0'``).
    """
    kind: str
    value: object
    name: str

    @property
    def path(self):
        """The file read, or ``None`` for an array or a webcam."""
        return self.value if self.kind in ('image', 'video') else None

    @property
    def is_video(self) -> bool:
        return self.kind in ('video', 'webcam')

    def __str__(self) -> str:
        if self.kind == 'webcam':
            return f'webcam {self.value}'
        return self.path if self.path is not None else f'array {self.name}'


def _list_one(value, webcam: bool) -> list:
    if isinstance(value, np.ndarray):
        return [('array', value)]
    if isinstance(value, (list, tuple)):
        return [item for element in value for item in _list_one(element, webcam)]
    path = str(value)
    if webcam and path.isdigit() and not osp.exists(path):
        return [('webcam', int(path))]
    if osp.isdir(path):
        files = sorted(osp.join(path, name) for name in os.listdir(path) if name.lower().endswith(IMAGE_EXTENSIONS))
        if not files:
            raise FileNotFoundError(f'{printable_path(path)}: no images ({", ".join(IMAGE_EXTENSIONS)}) '
                                    'in this folder')
        return [('image', check_utf8_name(name)) for name in files]
    if not osp.isfile(path):
        raise FileNotFoundError(f'{printable_path(path)}: input not found (an image, a folder of images, a video'
                                f'{" or a webcam index" if webcam else ""})')
    return [('video' if path.lower().endswith(VIDEO_EXTENSIONS) else 'image', check_utf8_name(path))]


def list_inputs(inputs, webcam: bool = False) -> list:
    """:class:`InputSource` items for a path, a folder (its images, sorted, not
    recursive), a video file, an (H, W, 3) BGR array, a webcam index (``'0'``,
    with ``webcam=True``) or a list of those."""
    items = _list_one(inputs, webcam)
    sources = []
    for index, (kind, value) in enumerate(items):
        if kind == 'array':
            name = f'{index:08d}.jpg'
        elif kind == 'webcam':
            name = f'webcam_{value}'
        else:
            name = osp.basename(value)
        sources.append(InputSource(kind, value, name))
    return sources


@dataclass
class Frame:
    """One image to predict on: ``image`` (H, W, 3) BGR uint8, frame ``index`` in
    its video (0 for an image), ``fps`` of its video (``None`` for an image)."""
    source: InputSource
    index: int
    image: np.ndarray
    fps: float = None


def read_frames(source: InputSource, max_frames: int = None):
    """Yield the :class:`Frame` of an image, or every frame of a video or webcam
    (at most ``max_frames``). A video that cannot be opened or gives no frame
    is an :class:`OSError` naming it."""
    if source.kind == 'array':
        yield Frame(source, 0, np.ascontiguousarray(source.value))
        return
    if source.kind == 'image':
        yield Frame(source, 0, read_image_bgr(source.value))
        return
    capture = cv2.VideoCapture(source.value)
    if not capture.isOpened():
        raise OSError(f'{source}: cannot open video (missing codec, unreadable file or no such camera)')
    fps = capture.get(cv2.CAP_PROP_FPS) or DEFAULT_FPS
    count = 0
    try:
        while max_frames is None or count < max_frames:
            ok, image = capture.read()
            if not ok:
                break
            yield Frame(source, count, image, fps)
            count += 1
    finally:
        capture.release()
    if count == 0:
        raise OSError(f'{source}: no frame could be read')


def frame_count(source: InputSource) -> int:
    """The number of frames a video file says it has (0 when unknown, a webcam or an image)."""
    if source.kind != 'video':
        return 0 if source.is_video else 1
    capture = cv2.VideoCapture(source.value)
    try:
        return max(0, int(capture.get(cv2.CAP_PROP_FRAME_COUNT)))
    finally:
        capture.release()
