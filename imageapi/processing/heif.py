"""HEIC decoded by pillow-heif, for a libvips that has no HEVC decoder.

The libvips bundled by pyvips-binary reads HEIF headers but cannot decode HEVC
pixels (a patent-encumbered codec it leaves out); pillow-heif's wheels bundle
libheif with libde265. Only the primary image is decoded (for a sequence saved
by a phone or by pillow-heif, the first one): that is the photo a viewer shows.

libheif applies the file's rotation and mirroring (``irot``/``imir``) while
decoding, as libvips' own HEIF loader does, so the pixels come out upright and
the EXIF orientation kept with them is reset to 1.
"""

from __future__ import annotations

from pathlib import Path

import pyvips

from imageapi.errors import UnsupportedImage

# Formats that libvips identifies but that are decoded here instead.
DECODED_BY_PILLOW_HEIF = frozenset({"heic"})
# What pillow-heif names files by their ``ftyp`` brands; AVIF is not one.
HEIC_MIMETYPES = frozenset({"image/heic", "image/heic-sequence"})
BANDS_BY_MODE = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4}
# The decode holds the whole image: what the memory limit counts per pixel
# (8-bit RGBA at most; libheif's YCbCr planes come on top).
DECODED_BYTES_PER_PIXEL = 4
UNDECODABLE = (
    "The HEIC image cannot be decoded: it is truncated, corrupt or uses a "
    "compression this server has no decoder for."
)


def is_heic(path: Path) -> bool:
    """Whether the file says it is HEIC (its ``ftyp`` box), however broken."""
    with path.open("rb") as file:
        return _pillow_heif().get_file_mimetype(file.read(64)) in HEIC_MIMETYPES


def primary_size(path: Path) -> tuple[int, int]:
    """The upright (width, height) of the primary image, from the header only."""
    try:
        return _pillow_heif().open_heif(str(path)).size
    except (ValueError, RuntimeError, OSError, SyntaxError):
        raise UnsupportedImage(UNDECODABLE) from None


def decode(path: Path) -> pyvips.Image:
    """The primary image's upright pixels, with its EXIF and ICC profile.

    The pyvips image wraps pillow-heif's buffer without copying it; callers
    check the size with ``primary_size`` (and the limits) before calling this.

    Raises:
        UnsupportedImage: truncated, corrupt, or not decodable by libheif.
    """
    try:
        heif = _pillow_heif().open_heif(str(path), convert_hdr_to_8bit=True)
        pixels = heif.data  # the decode happens here
    except (ValueError, RuntimeError, OSError, SyntaxError):
        raise UnsupportedImage(UNDECODABLE) from None
    bands = BANDS_BY_MODE.get(heif.mode)
    if bands is None:
        raise UnsupportedImage(UNDECODABLE)
    width, height = heif.size
    # Rows are ``stride`` bytes apart (padded): view them as one band, cut the
    # padding, then fold each pixel's bytes into bands.
    image = (
        pyvips.Image.new_from_memory(pixels, heif.stride, height, 1, "uchar")
        .crop(0, 0, width * bands, height)
        .bandfold(factor=bands)
        .copy(interpretation="srgb" if bands >= 3 else "b-w")
    )
    exif = heif.info.get("exif")
    if exif:
        image.set_type(pyvips.GValue.blob_type, "exif-data", exif)
        # Written back into the EXIF by libvips' savers: the pixels are upright.
        image.set_type(pyvips.GValue.gint_type, "orientation", 1)
    icc = heif.info.get("icc_profile")
    if icc:
        image.set_type(pyvips.GValue.blob_type, "icc-profile-data", icc)
    return image


def _pillow_heif():
    """Imported at the first HEIC (or file libvips cannot read), not at start:
    ~5 MiB per worker otherwise."""
    import pillow_heif

    return pillow_heif
