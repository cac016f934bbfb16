"""Render a derivative: an explicit, ordered list of small steps (imgproxy style).

Each step is a function over a shared ``Context``; ``render`` runs them in
order and checks the time limit between them. libvips is lazy, so most pixels
are computed during ``encode``, which the deadline also watches.

Concurrency is not limited here: the caller (the rendition service) holds a
bounded semaphore of ``processing.max_parallel_renders`` around ``render``, as
it also decides what to do while waiting (serve a cached derivative).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyvips

from imageapi.errors import InvalidInput
from imageapi.processing.context import Context
from imageapi.processing.deadline import Deadline
from imageapi.processing.formats import CONTENT_TYPES
from imageapi.processing.frames import page_height
from imageapi.processing.options import RenditionOptions
from imageapi.processing.steps.autorotate import autorotate
from imageapi.processing.steps.colour import to_srgb
from imageapi.processing.steps.crop import crop
from imageapi.processing.steps.encode import encode
from imageapi.processing.steps.filters import blur
from imageapi.processing.steps.filters import grayscale
from imageapi.processing.steps.filters import sharpen
from imageapi.processing.steps.fit import fit
from imageapi.processing.steps.flatten import flatten
from imageapi.processing.steps.load import load
from imageapi.processing.steps.resize import resize
from imageapi.processing.steps.rotate_and_flip import rotate_and_flip

log = logging.getLogger("imageapi.processing")

Step = Callable[[Context], None]

STEPS: tuple[Step, ...] = (
    load,  # header, plan, and shrink-on-load + resize in one go when it can
    autorotate,  # EXIF orientation, for every derivative
    crop,  # a region of the original, before resizing
    resize,
    to_srgb,  # embedded ICC profile or CMYK -> sRGB
    fit,  # cover: cut to the box; contain: pad to it
    rotate_and_flip,
    grayscale,
    blur,
    sharpen,
    flatten,  # transparency onto the background for formats without alpha
    encode,  # strips metadata except the ICC profile
)


class UnprocessableImage(InvalidInput):
    title = "Image cannot be processed"


@dataclass(frozen=True)
class Rendition:
    data: bytes
    format: str
    content_type: str
    width: int
    height: int  # of one frame
    pages: int


def render(
    source: Path,
    options: RenditionOptions,
    *,
    original: tuple[int, int] | None = None,
    timeout_seconds: float,
) -> Rendition:
    """Render ``options`` from the image file ``source``.

    Args:
        source: the original, or a pyramid level of it.
        options: parsed options; sizes and crops are in original pixels.
        original: the original's upright (width, height) when ``source`` is
            a level; given, not recovered from the level's rounded size, so
            that the result measures exactly what it would from the original.
        timeout_seconds: time limit for the whole render.

    Raises:
        InvalidParameter: the options do not fit this image (crop outside it).
        RenderTimeout: the time limit passed (503).
        UnprocessableImage: libvips failed on this input (422).
    """
    deadline = Deadline(timeout_seconds)
    context = Context(source, options, original, deadline)
    try:
        for step in STEPS:
            step(context)
            deadline.check()
    except pyvips.Error as exc:
        if deadline.expired:
            raise deadline.error() from None
        log.warning("libvips failed on %s: %s", source.name, str(exc).strip())
        raise UnprocessableImage(
            "The image could not be processed with these parameters."
        ) from None
    image = context.current
    return Rendition(
        data=context.data,
        format=options.format,
        content_type=CONTENT_TYPES[options.format],
        width=image.width,
        height=page_height(image),
        pages=image.height // page_height(image),
    )
