"""Cut the requested region of the original, before resizing."""

from __future__ import annotations

import math

from imageapi.processing.context import Context
from imageapi.processing.frames import each_frame
from imageapi.processing.frames import page_height


def crop(context: Context) -> None:
    if context.options.crop is None:
        return
    x, y, w, h = context.options.crop
    image = context.current
    scale = context.loaded_scale
    # Coordinates are in original pixels; the source may be smaller (working
    # copy, shrink-on-load). Round outwards and stay inside the loaded image.
    left = min(math.floor(x * scale), image.width - 1)
    top = min(math.floor(y * scale), page_height(image) - 1)
    right = min(max(math.ceil((x + w) * scale), left + 1), image.width)
    bottom = min(max(math.ceil((y + h) * scale), top + 1), page_height(image))
    context.image = each_frame(
        image, lambda frame: frame.crop(left, top, right - left, bottom - top)
    )
