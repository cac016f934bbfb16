"""Recognise an uploaded file as a supported image, without trusting its name.

``probe`` reads only the header (format, size, pages, orientation) and checks
the image limits (pixels, sides, frames) before any pixel is decoded;
``analysis.analyse`` then decodes the whole image once, so truncated or corrupt
files are refused at upload rather than on first download.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyvips

from imageapi.errors import InvalidInput
from imageapi.errors import UnsupportedImage
from imageapi.limits import Limits
from imageapi.processing.heif import DECODED_BY_PILLOW_HEIF
from imageapi.processing.heif import DECODED_BYTES_PER_PIXEL
from imageapi.processing.heif import UNDECODABLE
from imageapi.processing.heif import is_heic
from imageapi.processing.heif import primary_size
from imageapi.processing.tiff_pages import count_pages


@dataclass(frozen=True)
class AcceptedFormat:
    label: str  # as written in messages and documents
    content_type: str
    loader: str | None  # libvips loader; None for HEIF, told apart by compression


# Every format an upload may have, in the order messages list them; HEIC is
# decoded by pillow-heif (processing/heif.py), the others by libvips.
ACCEPTED_FORMATS = {
    "jpeg": AcceptedFormat("JPEG", "image/jpeg", "jpegload"),
    "png": AcceptedFormat("PNG", "image/png", "pngload"),
    "webp": AcceptedFormat("WebP", "image/webp", "webpload"),
    "gif": AcceptedFormat("GIF", "image/gif", "gifload"),
    "tiff": AcceptedFormat("TIFF", "image/tiff", "tiffload"),
    "avif": AcceptedFormat("AVIF", "image/avif", None),
    "heic": AcceptedFormat("HEIC", "image/heic", None),
}
FORMATS_BY_LOADER = {
    accepted.loader: name
    for name, accepted in ACCEPTED_FORMATS.items()
    if accepted.loader is not None
}
CONTENT_TYPES = {
    name: accepted.content_type for name, accepted in ACCEPTED_FORMATS.items()
}
_LABELS = [accepted.label for accepted in ACCEPTED_FORMATS.values()]
SUPPORTED = f"{', '.join(_LABELS[:-1])} or {_LABELS[-1]}"
# EXIF orientations 5-8 rotate by 90 degrees, so a viewer swaps width and height.
TRANSPOSING_ORIENTATIONS = {5, 6, 7, 8}
# A progressive JPEG is decoded from a buffer of every DCT coefficient (2 bytes
# each) of the whole image; chroma planes are smaller by their subsampling.
COEFFICIENT_BYTES = 2
CHROMA_FRACTIONS = {"4:4:4": 1.0, "4:2:2": 0.5, "4:4:0": 0.5, "4:2:0": 0.25}


class SourceTooLarge(InvalidInput):
    title = "Image too large"


@dataclass(frozen=True)
class ProbedImage:
    format: str
    content_type: str
    width: int  # as displayed, after EXIF orientation
    height: int
    pages: int
    orientation: int


def probe(path: Path, limits: Limits) -> ProbedImage:
    """Identify the image at ``path`` from its header and enforce the limits."""
    if limits.max_frames:
        # libvips counts a TIFF's pages while reading its header, at a cost
        # that grows with the count: check the count first, cheaply.
        pages = count_pages(path, stop_after=limits.max_frames + 1)
        if pages is not None and pages > limits.max_frames:
            raise SourceTooLarge(
                f"The image has more than {limits.max_frames} frames or pages; "
                f"this server accepts at most {limits.max_frames}."
            )
    try:
        image = pyvips.Image.new_from_file(str(path), access="sequential")
        loader = image.get("vips-loader").removesuffix("_source")
    except pyvips.Error:
        if is_heic(path):  # a phone photo cut short deserves a precise answer
            raise UnsupportedImage(UNDECODABLE) from None
        raise UnsupportedImage(
            f"The file is not an image this server accepts ({SUPPORTED})."
        ) from None
    image_format = format_of(image, loader)
    if image_format in DECODED_BY_PILLOW_HEIF:
        # Only the primary image is decoded, and upright (see heif.py): check
        # the size that decoder reports; it holds the whole image at once.
        (width, height), pages, orientation = primary_size(path), 1, 1
        needed = width * height * DECODED_BYTES_PER_PIXEL
    else:
        pages = _int_field(image, "n-pages", 1)
        orientation = _int_field(image, "orientation", 1)
        width, height = image.width, _int_field(image, "page-height", image.height)
        needed = decode_memory(image, loader)
        if orientation in TRANSPOSING_ORIENTATIONS:
            width, height = height, width
    _check_limits(width, height, pages, limits)
    _check_decode_memory(width, height, needed, limits)
    return ProbedImage(
        format=image_format,
        content_type=CONTENT_TYPES[image_format],
        width=width,
        height=height,
        pages=pages,
        orientation=orientation,
    )


def _check_limits(width: int, height: int, pages: int, limits: Limits) -> None:
    if width * height * pages > limits.max_pixels:
        raise SourceTooLarge(
            f"The image has {width}x{height} pixels"
            f"{f' x {pages} frames' if pages > 1 else ''}; "
            f"this server accepts at most {limits.max_pixels} pixels."
        )
    if limits.max_side_pixels and max(width, height) > limits.max_side_pixels:
        raise SourceTooLarge(
            f"The image is {width}x{height} pixels; this server accepts at most "
            f"{limits.max_side_pixels} pixels per side."
        )
    if limits.max_frames and pages > limits.max_frames:
        raise SourceTooLarge(
            f"The image has {pages} frames or pages; this server accepts at most "
            f"{limits.max_frames}."
        )


def decode_memory(image: pyvips.Image, loader: str) -> int:
    """Bytes that decoding the whole image holds at once, from its header.

    Most files decode in strips and need little; two layouts cannot: a
    progressive (multi-scan) JPEG keeps every coefficient of the image until
    the last scan, and an interlaced (Adam7) PNG is decoded whole.
    """
    pixels = image.width * image.height
    if loader == "jpegload" and _int_field(image, "jpeg-multiscan", 0):
        subsample = (
            image.get("jpeg-chroma-subsample")
            if _has(image, "jpeg-chroma-subsample")
            else "4:4:4"
        )
        chroma = CHROMA_FRACTIONS.get(subsample, 1.0)
        planes = 1 + 2 * chroma if image.bands == 3 else image.bands
        return int(pixels * planes * COEFFICIENT_BYTES)
    if loader == "pngload" and _int_field(image, "interlaced", 0):
        bits = _int_field(image, "bits-per-sample", 8)
        return pixels * image.bands * max(1, bits // 8)
    return 0


def _check_decode_memory(width: int, height: int, needed: int, limits: Limits) -> None:
    if needed > limits.max_request_memory_bytes:
        raise SourceTooLarge(
            f"Decoding this {width}x{height} image (progressive, interlaced or "
            f"HEIC) needs about {needed} bytes of memory at once; this server "
            f"allows {limits.max_request_memory_bytes}. Save it as a baseline "
            "JPEG or smaller."
        )


def format_of(image: pyvips.Image, loader: str) -> str:
    if loader in FORMATS_BY_LOADER:
        return FORMATS_BY_LOADER[loader]
    if loader == "heifload":
        compression = (
            image.get("heif-compression") if _has(image, "heif-compression") else ""
        )
        return "avif" if compression == "av1" else "heic"
    raise UnsupportedImage(f"Images of this kind are not accepted ({SUPPORTED}).")


def _has(image: pyvips.Image, field: str) -> bool:
    return image.get_typeof(field) != 0


def _int_field(image: pyvips.Image, field: str, default: int) -> int:
    return int(image.get(field)) if _has(image, field) else default
