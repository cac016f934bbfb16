"""Animated images are one tall strip of frames; these helpers work per frame."""

from __future__ import annotations

from collections.abc import Callable

import pyvips

# What savers read to rebuild an animation from a strip.
ANIMATION_FIELDS = ("delay", "loop", "gif-delay", "gif-loop")


def page_height(image: pyvips.Image) -> int:
    if image.get_typeof("page-height"):
        return min(int(image.get("page-height")), image.height)
    return image.height


def each_frame(
    image: pyvips.Image, operation: Callable[[pyvips.Image], pyvips.Image]
) -> pyvips.Image:
    """Apply ``operation`` to every frame and join them back into a strip.

    A plain image is one frame. Operating on the whole strip instead would
    let flips reorder frames, crops and blurs cross frame edges.
    """
    height = page_height(image)
    if height >= image.height:
        return operation(image)
    frames = [
        operation(image.crop(0, top, image.width, height))
        for top in range(0, image.height - height + 1, height)
    ]
    joined = pyvips.Image.arrayjoin(frames, across=1).copy()
    for field in ANIMATION_FIELDS:
        kind = image.get_typeof(field)
        if kind:
            joined.set_type(kind, field, image.get(field))
    joined.set_type(pyvips.GValue.gint_type, "page-height", frames[0].height)
    return joined
