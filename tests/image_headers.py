"""Image files whose header claims a size their data does not hold: what an attacker sends
to make a reader allocate gigabytes (a "decompression bomb"). Tiny on disk."""
import struct
import zlib


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack('>I', len(payload)) + kind + payload + struct.pack('>I', zlib.crc32(kind + payload))


def write_png_header(path, width: int, height: int) -> None:
    """A PNG of ``width`` x ``height`` RGB pixels (by its header) with one tiny compressed row of data."""
    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b'\0' * 64)
    path.write_bytes(b'\x89PNG\r\n\x1a\n' + _chunk(b'IHDR', header) + _chunk(b'IDAT', data)
                     + _chunk(b'IEND', b''))
