"""Image bombs: small files that declare huge images (issue 15). Written byte by byte, so a test
makes one in milliseconds without ever holding the decoded image."""

from __future__ import annotations

import struct
import zlib


def png_bomb(width: int, height: int) -> bytes:
    """A 1-bit grey PNG of `width` × `height` white pixels; 13000 × 13000 is about 20 KB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" + b"\xff" * ((width + 7) // 8)  # filter byte "none", then the row
    packer = zlib.compressobj(9)
    body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def _packbits_row(width: int) -> bytes:
    """One row of white 1-bit pixels in PackBits: runs of up to 128 repeated bytes."""
    count = (width + 7) // 8
    out = bytearray()
    while count >= 2:
        run = min(count, 128)
        out += bytes([257 - run, 0xFF])  # -(run - 1) as a signed byte: repeat the next byte
        count -= run
    if count:
        out += b"\x00\xff"  # a literal run of one byte
    return bytes(out)


def tiff_bomb(width: int, height: int, frames: int) -> bytes:
    """A little-endian TIFF of `frames` 1-bit pages of `width` × `height`, every page pointing at
    one shared PackBits strip (40 pages of 5000 × 5000 are about 50 KB)."""
    strip = _packbits_row(width) * height
    entries = 8
    ifd_size = 2 + entries * 12 + 4
    first_ifd = 8 + len(strip)
    out = bytearray(b"II*\x00" + struct.pack("<I", first_ifd) + strip)
    for index in range(frames):
        offset = first_ifd + index * ifd_size
        following = offset + ifd_size if index + 1 < frames else 0
        tags = [
            (256, 4, width),  # ImageWidth
            (257, 4, height),  # ImageLength
            (258, 3, 1),  # BitsPerSample
            (259, 3, 32773),  # Compression: PackBits
            (262, 3, 1),  # PhotometricInterpretation: BlackIsZero
            (273, 4, 8),  # StripOffsets
            (278, 4, height),  # RowsPerStrip
            (279, 4, len(strip)),  # StripByteCounts
        ]
        out += struct.pack("<H", entries)
        for tag, kind, value in tags:
            if kind == 3:
                out += struct.pack("<HHIHH", tag, kind, 1, value, 0)
            else:
                out += struct.pack("<HHII", tag, kind, 1, value)
        out += struct.pack("<I", following)
    return bytes(out)
