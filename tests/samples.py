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


def decodes(data: bytes) -> bool:
    """Whether libvips can decode ``data`` to pixels."""
    try:
        decode(data).avg()
    except pyvips.Error:
        return False
    return True


def heic_bytes(width: int = 64, height: int = 48) -> bytes:
    """The gradient as HEIC, encoded with pillow-heif (libvips here cannot)."""
    return heic_of(gradient(width, height))


def heic_of(
    *images: pyvips.Image, exif: bytes | None = None, icc: bytes | None = None
) -> bytes:
    """8-bit sRGB images as one HEIC file (several: a sequence), near-lossless.

    pillow-heif turns an EXIF orientation into the HEIF rotation (``irot``)
    and keeps the EXIF beside the pixels, as phones do.
    """
    heif = pillow_heif.HeifFile()
    for image in images:
        mode = "RGBA" if image.bands == 4 else "RGB"
        heif.add_from_pillow(
            PIL.Image.frombytes(
                mode, (image.width, image.height), image.write_to_memory()
            )
        )
    options = {"exif": exif} if exif else {}
    if icc:
        options["icc_profile"] = icc
    buffer = io.BytesIO()
    heif.save(buffer, quality=95, chroma=444, **options)
    return buffer.getvalue()


def camera_exif(*, orientation: int = 1) -> bytes:
    """EXIF as a phone writes it: camera, time taken with offset, GPS."""
    exif = PIL.Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Apple"
    exif[0x0110] = "iPhone 15 Pro"
    details = exif.get_ifd(0x8769)
    details[0x9003] = "2024:05:06 07:08:09"  # DateTimeOriginal
    details[0x9011] = "+02:00"  # OffsetTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 30.0)
    gps[3], gps[4] = "E", (2.0, 17.0, 40.0)
    return exif.tobytes()


def decode_heic(data: bytes) -> pyvips.Image:
    """The pixels pillow-heif decodes ``data`` to (upright), with the ICC profile."""
    heif = pillow_heif.open_heif(io.BytesIO(data))
    pixels = heif.to_pillow()
    bands = len(pixels.getbands())
    image = pyvips.Image.new_from_memory(
        pixels.tobytes(), pixels.width, pixels.height, bands, "uchar"
    ).copy(interpretation="srgb")
    if heif.info.get("icc_profile"):
        image.set_type(
            pyvips.GValue.blob_type, "icc-profile-data", heif.info["icc_profile"]
        )
    return image


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
