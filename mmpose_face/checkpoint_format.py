"""Which bytes ``torch.load`` will unpickle from a file, found the way torch finds them.

A check of a checkpoint is only worth something if it reads what the
unpickler will read. torch decides the format by the first bytes, not by
:func:`zipfile.is_zipfile` (which finds a zip appended anywhere):

- ``PK\\x03\\x04``: a zip archive (``torch.save`` since 1.6). torch's reader
  (miniz) takes the folder of the archive's first entry and looks up
  ``<folder>/data.pkl`` *case-insensitively*, so ``archive/DATA.PKL`` is the
  pickle it loads. Tensor data are the records ``<folder>/data/<key>``.
- ``\\x80`` (a pickle of protocol 2+): torch's legacy format, five pickles
  in a row (magic number, protocol, system info, the content, the storage
  keys), then the raw storage bytes.
- anything else (a tar archive is torch's oldest format) is not loaded here.

:func:`torch_file_layout` refuses what would make the check and torch read
different bytes: a file that is both a pickle and a zip archive, a zip with
more than one ``data.pkl`` (any case, any folder), a zip whose end record is
not at its end, a tar archive. It also bounds what a check has to read: a
pickle of more than :data:`PICKLE_SIZE_LIMIT` bytes (a zip bomb's
``data.pkl`` unpacks to gigabytes; a real checkpoint's is kilobytes to a few
megabytes, its tensors live in separate records) is refused unread.
"""
import io
import os.path as osp
import struct
import tarfile
import zipfile
from dataclasses import dataclass, field

ZIP_MAGIC = b'PK\x03\x04'
PICKLE_PROTO = b'\x80'
PICKLE_NAME = 'data.pkl'
# What a check reads at most (bytes of pickle): 256 MiB, about 100 times the data.pkl
# of a checkpoint that logged a million training iterations.
PICKLE_SIZE_LIMIT = 256 << 20
_END_RECORD = b'PK\x05\x06'
_END_RECORD_SIZE = 22


class NotATorchFile(Exception):
    """Why a file is not one torch and a check would read alike; the message is the reason."""


@dataclass
class TorchFileLayout:
    """What :func:`torch_file_layout` found.

    Attributes:
        format: ``'zip'`` or ``'legacy'``.
        size: the file's size in bytes.
        pickle_member: (zip) the entry torch unpickles.
        record_sizes: (zip) bytes of each entry, by lower-cased name (torch's
            lookups ignore case).
        folder: (zip) the archive's top folder, torch's prefix for every lookup.
    """
    format: str
    size: int
    pickle_member: zipfile.ZipInfo = None
    record_sizes: dict = field(default_factory=dict)
    folder: str = ''

    def storage_bytes(self, key: str) -> int:
        """How many bytes storage ``key`` can hold: its record (zip) or the whole file (legacy)."""
        if self.format == 'legacy':
            return self.size
        return self.record_sizes.get(f'{self.folder}/data/{key}'.lower(), 0)


def _zip_layout(path: str, size: int) -> TorchFileLayout:
    with open(path, 'rb') as f:
        f.seek(max(0, size - _END_RECORD_SIZE))
        tail = f.read(_END_RECORD_SIZE)
    if len(tail) != _END_RECORD_SIZE or not tail.startswith(_END_RECORD) or struct.unpack('<H', tail[-2:])[0]:
        raise NotATorchFile(f'its zip archive is cut off or damaged (its last {_END_RECORD_SIZE} bytes are not the '
                            f'end record torch writes; {size} bytes)')
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as error:
        raise NotATorchFile(f'its zip archive is cut off or damaged ({error}; {size} bytes)') from None
    if not entries or '/' not in entries[0].filename:
        raise NotATorchFile('a zip archive without a top folder, not a PyTorch checkpoint')
    folder = entries[0].filename.split('/', 1)[0]
    candidates = [entry for entry in entries if osp.basename(entry.filename).lower() == PICKLE_NAME]
    if not candidates:
        raise NotATorchFile(f'a zip archive without {PICKLE_NAME}, not a PyTorch checkpoint')
    if len(candidates) > 1:
        names = ', '.join(entry.filename for entry in candidates[:4])
        raise NotATorchFile(f'a zip archive with {len(candidates)} {PICKLE_NAME} entries ({names}): which one is '
                            f'loaded depends on the reader, so none is')
    member = candidates[0]
    if member.filename.lower() != f'{folder}/{PICKLE_NAME}'.lower():
        raise NotATorchFile(f'its {PICKLE_NAME} is {member.filename}, not in the archive\'s top folder {folder}/')
    if member.file_size > PICKLE_SIZE_LIMIT:
        raise NotATorchFile(f'its {member.filename} unpacks to {member.file_size} bytes, more than the '
                            f'{PICKLE_SIZE_LIMIT >> 20} MiB a checkpoint\'s pickle may have (a zip bomb?)')
    record_sizes = {}
    for entry in entries:
        record_sizes[entry.filename.lower()] = max(entry.file_size, record_sizes.get(entry.filename.lower(), 0))
    return TorchFileLayout('zip', size, member, record_sizes, folder)


def torch_file_layout(path: str) -> TorchFileLayout:
    """How torch will read ``path``, or :class:`NotATorchFile` with the reason."""
    size = osp.getsize(path)
    if size == 0:
        raise NotATorchFile('the file is empty (0 bytes)')
    with open(path, 'rb') as f:
        head = f.read(8)
    if head.startswith(ZIP_MAGIC):
        return _zip_layout(path, size)
    if head.startswith(PICKLE_PROTO):
        if zipfile.is_zipfile(path):
            raise NotATorchFile('both a pickle (which torch reads) and a zip archive (which other readers find): '
                                'a file made to be read differently by different readers')
        if tarfile.is_tarfile(path):
            raise NotATorchFile('a tar archive that starts like a pickle (torch would read it as its oldest format)')
        return TorchFileLayout('legacy', size)
    if head.startswith(b'PK'):
        raise NotATorchFile(f'not a PyTorch checkpoint (a zip archive must start with {ZIP_MAGIC!r}; '
                            f'it starts with {head!r})')
    raise NotATorchFile(f'not a PyTorch checkpoint (neither a zip archive nor a pickle: it starts with {head!r})')


def archive_problem(path: str) -> str:
    """Why ``path`` is not a file torch and the checks would read alike, or ''."""
    try:
        torch_file_layout(path)
    except NotATorchFile as problem:
        return str(problem)
    return ''


class BoundedReader(io.RawIOBase):
    """At most ``limit`` bytes of ``stream``; reading past them raises :class:`NotATorchFile`."""

    def __init__(self, stream, limit: int):
        self._stream, self._left, self._limit = stream, limit, limit

    def readable(self):
        return True

    def tell(self) -> int:
        return self._limit - self._left

    def close(self):
        if not self.closed:
            self._stream.close()
        super().close()

    def readinto(self, buffer) -> int:
        data = self._stream.read(min(len(buffer), self._left + 1))
        if len(data) > self._left:
            raise NotATorchFile(f'pickles longer than the {self._limit >> 20} MiB a checkpoint\'s may have')
        self._left -= len(data)
        buffer[:len(data)] = data
        return len(data)


def open_pickle_stream(path: str, layout: TorchFileLayout):
    """A buffered stream of the bytes torch unpickles (``data.pkl``, or the file from byte 0),
    at most :data:`PICKLE_SIZE_LIMIT` of them. Close it (``with``)."""
    if layout.format == 'zip':
        archive = zipfile.ZipFile(path)
        raw = _Closing(archive.open(layout.pickle_member), archive)
    else:
        raw = open(path, 'rb')
    return io.BufferedReader(BoundedReader(raw, PICKLE_SIZE_LIMIT), buffer_size=1 << 16)


class _Closing:
    """A zip member stream that closes its archive too."""

    def __init__(self, member, archive):
        self._member, self._archive = member, archive

    def read(self, size=-1):
        return self._member.read(size)

    def close(self):
        self._member.close()
        self._archive.close()
