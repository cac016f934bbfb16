"""Upload analysis: decode once, small, to prove the image whole; metadata, a
blurhash and a fingerprint. Then, apart, the pyramid of reduced copies.

``analyse`` runs while the upload waits: it decodes the original shrunk on
load to a 32-px thumbnail (libjpeg and libwebp still read every byte of the
compressed data, so truncated or corrupt files fail here, at upload), and the
blurhash and the near-duplicate fingerprint come from that thumbnail.
``make_pyramid`` is derived work the upload's job does after the answer
(services/derived_work.py): it decodes again, shrunk on load to the largest
level, and writes the levels (``processing/pyramid.py``).

Originals libvips cannot decode (HEIC) are decoded once by pillow-heif into a
full-size render source that it can: renders read that file instead of the
original, and the analysis runs on it as on any other upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyvips

from imageapi.errors import UnsupportedImage
from imageapi.processing import blurhash_encoding
from imageapi.processing.exif import read_exif
from imageapi.processing.fingerprint import HASH_INPUT_SIDE
from imageapi.processing.fingerprint import Fingerprint
from imageapi.processing.fingerprint import Square
from imageapi.processing.fingerprint import fingerprint_square
from imageapi.processing.fingerprint import square_of
from imageapi.processing.frames import page_height
from imageapi.processing.heif import DECODED_BY_PILLOW_HEIF
from imageapi.processing.heif import decode as decode_heif
from imageapi.processing.probe import TRANSPOSING_ORIENTATIONS
from imageapi.processing.probe import format_of
from imageapi.processing.pyramid import Pyramid
from imageapi.processing.pyramid import build_pyramid
from imageapi.processing.pyramid import level_sides
from imageapi.processing.pyramid import makes_level

# The fingerprint and the blurhash read a 32-px thumbnail, squashed square
# (see processing/fingerprint.py).
SMALL_SIDE = 32
BLURHASH_COMPONENTS = (4, 3)  # along the longer and the shorter side
# The HEIC render source: full size, so q95 without chroma subsampling
# (benchmarks/heic.py). Lossless WebP at effort 1 when it has alpha: it
# decodes ~1.5x faster than PNG and is ~4x smaller.
SOURCE_JPEG_QUALITY = 95
SOURCE_WEBP_EFFORT = 1
KEEP_ICC = pyvips.enums.ForeignKeep.ICC
# The render source keeps the EXIF too: libvips reads camera, time and place
# from it when the analysis loads it (it parses EXIF only when loading a file).
KEEP_ICC_AND_EXIF = KEEP_ICC | pyvips.enums.ForeignKeep.EXIF
# Formats libvips decodes at full size, row by row (no shrink-on-load), and the
# size from which ``_reduce`` shrinks them row-first to save memory.
ROW_DECODED = frozenset({"tiff", "png"})
LARGE_SOURCE_PIXELS = 25_000_000
# libjpeg reports scan data that stops early at a marker (an EOI right after
# the header, say) only as a warning, and fills the missing rows with grey; a
# 633-byte file then "decodes" as 10000x10000. JPEGs are therefore decoded
# failing on warnings too; other decoders report missing data as truncation.
FAIL_ON = {"jpeg": "warning"}
DEFAULT_FAIL_ON = "truncated"


@dataclass(frozen=True)
class ImageMetadata:
    width: int  # as displayed, after EXIF orientation
    height: int
    format: str
    pages: int
    has_alpha: bool
    orientation: int
    colour_space: str  # libvips interpretation: srgb, b-w, cmyk, rgb16, ...
    camera_make: str | None
    camera_model: str | None
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Analysis:
    metadata: ImageMetadata
    blurhash: str
    # True when libvips cannot decode the original: renders then read the
    # full-size, upright render source written beside it.
    render_source: bool = False
    # From the same thumbnail as the blurhash: no second decode.
    fingerprint: Fingerprint | None = None


def analyse(path: Path, *, render_source: Path) -> Analysis:
    """Decode ``path`` once, shrunk on load: metadata, blurhash, fingerprint.

    A HEIC original is first decoded to ``render_source`` (same encoding,
    full size, with its EXIF), and the analysis continues from that file.

    Raises:
        UnsupportedImage: the file is truncated, corrupt or not an image.
    """
    try:
        header = pyvips.Image.new_from_file(str(path))
        source_format = _format(header)
        if source_format in DECODED_BY_PILLOW_HEIF:
            _save_source(decode_heif(path), render_source)
            path = render_source
            header = pyvips.Image.new_from_file(str(path))
        metadata = _metadata(header, source_format)
        square = square_of(_reduce(path, metadata, SMALL_SIDE))
        hash_ = _blurhash(square, metadata)
        print_ = fingerprint_square(square)
    except pyvips.Error:
        raise UnsupportedImage(
            "The image is truncated or corrupt and cannot be decoded."
        ) from None
    return Analysis(
        metadata=metadata,
        blurhash=hash_,
        render_source=path == render_source,
        fingerprint=print_,
    )


def needs_pyramid(width: int, height: int, pages: int, max_side: int) -> bool:
    """Levels are made for a single-frame image that gets the smallest one."""
    sides = level_sides(max_side)
    return bool(sides) and pages == 1 and makes_level(sides[-1], max(width, height))


def make_pyramid(path: Path, dest_dir: Path, max_side: int) -> Pyramid:
    """Write the pyramid of the image at ``path`` (the original, or its render
    source) into ``dest_dir``; no levels when it needs none.

    One decode, shrunk on load to the largest level (``_reduce`` keeps large
    strip TIFFs and PNGs narrow); the levels are upright (EXIF orientation
    applied) and keep the ICC profile (``build_pyramid``).

    Raises:
        UnsupportedImage: the file cannot be decoded.
    """
    try:
        header = pyvips.Image.new_from_file(str(path))
        metadata = _metadata(header, _format(header))
        if not needs_pyramid(metadata.width, metadata.height, metadata.pages, max_side):
            return Pyramid(levels=())
        longest = max(metadata.width, metadata.height)
        decoded = _reduce(path, metadata, min(longest, max_side)).copy_memory()
        return build_pyramid(
            decoded, dest_dir, max_side=max_side, original_side=longest
        )
    except pyvips.Error:
        raise UnsupportedImage(
            "The image is truncated or corrupt and cannot be decoded."
        ) from None


def _format(header: pyvips.Image) -> str:
    return format_of(header, header.get("vips-loader").removesuffix("_source"))


def _metadata(header: pyvips.Image, source_format: str) -> ImageMetadata:
    orientation = (
        int(header.get("orientation")) if header.get_typeof("orientation") else 1
    )
    width, height = header.width, page_height(header)
    if orientation in TRANSPOSING_ORIENTATIONS:
        width, height = height, width
    exif = read_exif(header)
    return ImageMetadata(
        width=width,
        height=height,
        format=source_format,
        pages=int(header.get("n-pages")) if header.get_typeof("n-pages") else 1,
        has_alpha=bool(header.hasalpha()),
        orientation=orientation,
        colour_space=str(header.interpretation),
        camera_make=exif.camera_make,
        camera_model=exif.camera_model,
        taken_at=exif.taken_at,
        latitude=exif.latitude,
        longitude=exif.longitude,
    )


def _reduce(path: Path, metadata: ImageMetadata, side: int) -> pyvips.Image:
    """The upright image with its longer side at most ``side``, decoded once.

    ``thumbnail`` shrinks JPEG, WebP and pyramidal files while loading. Large
    strip TIFFs and PNGs decode at full width instead, and libvips' shrink then
    holds a band of full-width rows for its vertical pass: about 120 MiB for a
    1 GiB TIFF. Shrinking each row first (``shrinkh``, then ``shrinkv``) keeps
    the buffered rows narrow; measured growth drops to about 60 MiB.
    """
    pixels = metadata.width * metadata.height
    fail_on = FAIL_ON.get(metadata.format, DEFAULT_FAIL_ON)
    if metadata.format not in ROW_DECODED or pixels < LARGE_SOURCE_PIXELS:
        return pyvips.Image.thumbnail(str(path), side, height=side, fail_on=fail_on)
    image = pyvips.Image.new_from_file(str(path), access="sequential", fail_on=fail_on)
    band_format, alpha = image.format, image.hasalpha()
    if alpha:  # average colours weighted by opacity, as thumbnail does
        image = image.premultiply()
    factor = max(1, max(image.width, image.height) // (2 * side))
    image = image.shrinkh(factor).shrinkv(factor)
    image = image.resize(side / max(image.width, image.height))
    if alpha:
        image = image.unpremultiply().cast(band_format)
    if metadata.orientation != 1:  # rotating needs the pixels in memory
        image = image.copy_memory().autorot()
    return image


def _save_source(image: pyvips.Image, path: Path) -> None:
    keep = KEEP_ICC_AND_EXIF
    if image.hasalpha():
        image.webpsave(str(path), lossless=True, effort=SOURCE_WEBP_EFFORT, keep=keep)
    else:
        image.jpegsave(
            str(path), Q=SOURCE_JPEG_QUALITY, subsample_mode="off", keep=keep
        )


def _blurhash(square: Square, metadata: ImageMetadata) -> str:
    """From the fingerprint's square: the blurhash's cosines span the image
    whatever its pixel grid, so the squashed square gives the components of
    the image itself, and the decoder stretches them back to its shape."""
    long, short = BLURHASH_COMPONENTS
    x_components, y_components = (
        (long, short) if metadata.width >= metadata.height else (short, long)
    )
    return blurhash_encoding.encode(
        square.rgb, HASH_INPUT_SIDE, HASH_INPUT_SIDE, x_components, y_components
    )
