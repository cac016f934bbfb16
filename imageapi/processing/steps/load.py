"""Open the source: read the header, plan the sizes, decode as little as possible.

Without a crop, ``pyvips.Image.thumbnail`` does shrink-on-load, EXIF rotation
and the resize in one sequential pass: a 4000x3000 JPEG is decoded at 1/8
size for a 256-pixel thumbnail. With a crop, JPEGs are still shrunk on load
by the largest power of two that keeps the region at least twice the target.
An original JPEG resized to between 1/4 and 1/2.4 of its size is decoded at
half size, where ``thumbnail`` would decode it whole.
"""

from __future__ import annotations

import pyvips

from imageapi.processing.context import Context
from imageapi.processing.formats import ANIMATED
from imageapi.processing.frames import page_height
from imageapi.processing.geometry import plan
from imageapi.processing.probe import TRANSPOSING_ORIENTATIONS

FAIL_ON = "error"  # refuse broken data rather than render garbage
JPEG_SHRINKS = (8, 4, 2)
# What the real resize keeps after JPEG shrink-on-load (DCT scaling): at 1/8
# and 1/4 a block keeps only its lowest 1 or 2x2 frequencies, which aliases,
# so libvips' thumbnail() and our crops leave 2x.
RESIZE_MARGIN = 2.0
# At 1/2 a block keeps its lowest 4x4 frequencies. Against a full decode, an
# original decoded at half size and resized by the last 1.2x scores mean SSIM
# 0.994, worst photo 0.988 (at 1.07x the worst falls to 0.983); the decode
# takes about 2/3 of the time (docs/processing.md, test_half_size_decode.py).
# Levels keep 2x: they are already resampled and lossy once.
HALF_SIZE_MARGIN = 1.2


def load(context: Context) -> None:
    header = pyvips.Image.new_from_file(str(context.source), fail_on=FAIL_ON)
    pages = int(header.get("n-pages")) if header.get_typeof("n-pages") else 1
    orientation = _orientation(header)
    width, height = header.width, page_height(header)  # one frame
    if orientation in TRANSPOSING_ORIENTATIONS:
        width, height = height, width
    original = context.original or (width, height)
    context.source_scale = width / original[0]
    context.plan = plan(original, context.options)
    context.animated = pages > 1 and context.options.format in ANIMATED
    name = f"{context.source}[n=-1]" if context.animated else str(context.source)
    needs_resize = context.plan.scaled != original
    if context.options.crop is None and needs_resize:
        scaled_width, scaled_height = context.plan.scaled
        if _decodes_at_half_size(header, context):
            half = pyvips.Image.new_from_file(
                name, access="sequential", fail_on=FAIL_ON, shrink=2
            )
            context.image = half.thumbnail_image(
                scaled_width, height=scaled_height, size="force"
            )
        else:
            context.image = pyvips.Image.thumbnail(
                name, scaled_width, height=scaled_height, size="force", fail_on=FAIL_ON
            )
        context.resized = True
        return
    shrink = _jpeg_shrink(header, context) if context.options.crop else 1
    access = "sequential" if orientation == 1 else "random"
    options = {"shrink": shrink} if shrink > 1 else {}
    if context.animated:
        options["n"] = -1
    context.image = pyvips.Image.new_from_file(
        str(context.source), access=access, fail_on=FAIL_ON, **options
    )
    context.loaded_scale = context.source_scale / shrink


def _orientation(header: pyvips.Image) -> int:
    return int(header.get("orientation")) if header.get_typeof("orientation") else 1


def _decodes_at_half_size(header: pyvips.Image, context: Context) -> bool:
    """Whether a plain resize of the original decodes at half size where
    ``thumbnail`` would decode it whole."""
    return (
        context.source_scale == 1
        and _jpeg_shrink(header, context, half_size_margin=HALF_SIZE_MARGIN) == 2
        and _jpeg_shrink(header, context) == 1
    )


def _jpeg_shrink(
    header: pyvips.Image,
    context: Context,
    *,
    half_size_margin: float = RESIZE_MARGIN,
) -> int:
    """The largest JPEG load shrink that keeps the region its margin larger
    than the target size."""
    if header.get("vips-loader") not in ("jpegload", "jpegload_source"):
        return 1
    assert context.plan is not None
    region_width, region_height = context.plan.region
    scaled_width, scaled_height = context.plan.scaled
    for shrink in JPEG_SHRINKS:
        loaded = context.source_scale / shrink
        margin = half_size_margin if shrink == 2 else RESIZE_MARGIN
        if (
            region_width * loaded >= margin * scaled_width
            and region_height * loaded >= margin * scaled_height
        ):
            return shrink
    return 1
