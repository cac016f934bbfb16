"""Sample images made on the fly with pyvips: no binary files in the repo."""

from __future__ import annotations

import io
import struct
import zlib

import PIL.Image
import pillow_heif
import pyvips


def gradient(width: int = 64, height: int = 48) -> pyvips.Image:
    """An RGB image whose colour varies by position, so crops and flips show."""
    xyz = pyvips.Image.xyz(width, height)
    red = xyz[0] * (255 / max(width - 1, 1))
    green = xyz[1] * (255 / max(height - 1, 1))
    blue = (red + green) / 2
    return red.bandjoin([green, blue]).cast("uchar").copy(interpretation="srgb")


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    return gradient(width, height).pngsave_buffer()


def jpeg_bytes(width: int = 64, height: int = 48, orientation: int | None = None):
    image = gradient(width, height)
    if orientation is not None:
        image = image.copy()
        image.set_type(pyvips.GValue.gint_type, "orientation", orientation)
    return image.jpegsave_buffer(Q=90)


def encoded(suffix: str, width: int = 64, height: int = 48) -> bytes:
    """The gradient in any format libvips can write (".webp", ".gif", ...)."""
    return gradient(width, height).write_to_buffer(suffix)


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge size; its pixel data is a stub."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return (
            struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def decode(data: bytes) -> pyvips.Image:
    return pyvips.Image.new_from_buffer(data, "")


def heic_bytes(width: int = 64, height: int = 48) -> bytes:
    """The gradient as HEIC, encoded with pillow-heif (libvips here cannot)."""
    image = PIL.Image.frombytes(
        "RGB", (width, height), gradient(width, height).write_to_memory()
    )
    buffer = io.BytesIO()
    pillow_heif.from_pillow(image).save(buffer, quality=80)
    return buffer.getvalue()


def decodes(data: bytes) -> bool:
    """Whether this libvips build can decode ``data`` to pixels."""
    try:
        decode(data).avg()
    except pyvips.Error:
        return False
    return True


# Hostile files: small on disk, expensive or broken once decoded.


def jpeg_ending_after_header(width: int, height: int, size: int = 633) -> bytes:
    """A ``size``-byte JPEG: a real header for ``width`` x ``height``, the start
    of the scan, then an end-of-image marker. libjpeg only warns about it and
    fills the missing rows with grey."""
    whole = pyvips.Image.black(width, height, bands=3).jpegsave_buffer(
        Q=50, keep=pyvips.enums.ForeignKeep.NONE
    )
    start_of_scan = whole.index(b"\xff\xda")
    scan_header = start_of_scan + 2 + int.from_bytes(whole[start_of_scan + 2 :][:2])
    scan = whole[scan_header : max(scan_header, size - 2)]
    return whole[:scan_header] + scan + b"\xff\xd9"


def progressive_jpeg_bytes(width: int, height: int) -> bytes:
    """A progressive JPEG: decoding it holds every coefficient at once."""
    return pyvips.Image.black(width, height, bands=3).jpegsave_buffer(
        Q=50, interlace=True
    )


def multipage_tiff_bytes(pages: int, side: int = 4) -> bytes:
    """A TIFF with ``pages`` tiny pages."""
    strip = gradient(side, side * pages)
    strip = strip.copy()
    strip.set_type(pyvips.GValue.gint_type, "page-height", side)
    return strip.tiffsave_buffer()
