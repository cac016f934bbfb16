"""Cheap structural checks that an encoded image is whole.

Derivatives are written without forcing them to disk (they can be rebuilt),
so after a crash a file under its final name may be cut short or hold zeros.
Reading a few bytes at the end (or, for AVIF, the top-level box headers) tells
a whole file from a torn one without decoding it.
"""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_END = b"\xff\xd9"
GIF_END = b"\x3b"
# The formats ``looks_complete`` really checks; others are written durably.
CHECKED_FORMATS = frozenset({"jpeg", "png", "gif", "webp", "avif"})
# Walking more boxes than this means the file is not what we wrote.
MAX_AVIF_BOXES = 64


def looks_complete(stream: BinaryIO, size: int, output_format: str) -> bool:
    """Whether the ``size`` bytes of ``stream`` end the way ``output_format``
    files end. Leaves the stream at its start. Streams that cannot seek (S3
    bodies: objects there are whole or absent) and formats without a cheap
    check (TIFF, which is written durably) pass."""
    if not stream.seekable():
        return True
    try:
        if output_format == "jpeg":
            return _tail(stream, size, len(JPEG_END)) == JPEG_END
        if output_format == "png":
            return _tail(stream, size, len(PNG_END)) == PNG_END
        if output_format == "gif":
            return _tail(stream, size, 1) == GIF_END
        if output_format == "webp":
            return _riff_complete(stream, size)
        if output_format == "avif":
            return _boxes_complete(stream, size)
        return True
    finally:
        if stream.tell() != 0:
            stream.seek(0)


def _read_at(stream: BinaryIO, offset: int, length: int) -> bytes:
    """Bytes at ``offset``. Files are read with pread, which leaves their
    offset alone: a buffered seek back to 0 may not reach the file
    descriptor, and servers sendfile() from the descriptor's offset."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError):  # io.UnsupportedOperation is an OSError
        stream.seek(offset)
        return stream.read(length)
    return os.pread(descriptor, length, offset)


def _tail(stream: BinaryIO, size: int, length: int) -> bytes:
    if size < length:
        return b""
    return _read_at(stream, size - length, length)


def _riff_complete(stream: BinaryIO, size: int) -> bool:
    header = _read_at(stream, 0, 12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WEBP":
        return False
    return struct.unpack("<I", header[4:8])[0] == size - 8


def _boxes_complete(stream: BinaryIO, size: int) -> bool:
    """ISO-BMFF: the top-level boxes' sizes add up to the file size exactly."""
    offset = 0
    for _ in range(MAX_AVIF_BOXES):
        if offset == size:
            return offset > 0
        header = _read_at(stream, offset, 16)
        if len(header) < 8:
            return False
        box_size = struct.unpack(">I", header[:4])[0]
        if box_size == 1 and len(header) == 16:  # a 64-bit size follows the type
            box_size = struct.unpack(">Q", header[8:16])[0]
        elif box_size == 0:  # the box runs to the end of the file
            return header[4:8] == b"mdat"  # libvips never writes one; zeros fail
        if box_size < 8 or offset + box_size > size:
            return False
        offset += box_size
    return False
