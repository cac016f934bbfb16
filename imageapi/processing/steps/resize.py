"""Scale the (cropped) image to the planned size, unless the loader did."""

from __future__ import annotations

from imageapi.processing.context import Context
from imageapi.processing.frames import each_frame
from imageapi.processing.frames import page_height


def resize(context: Context) -> None:
    assert context.plan is not None
    image = context.current
    width, height = context.plan.scaled
    if context.resized or (image.width, page_height(image)) == (width, height):
        return
    context.image = each_frame(
        image,
        lambda frame: frame.thumbnail_image(width, height=height, size="force"),
    )
    context.resized = True
