"""Cover: cut the resized image to the box. Contain: pad it to the box."""

from __future__ import annotations

import pyvips

from imageapi.processing.context import Context
from imageapi.processing.formats import WITH_ALPHA
from imageapi.processing.frames import each_frame
from imageapi.processing.frames import page_height
from imageapi.processing.steps.colour import solid

SMART = ("entropy", "attention")


def fit(context: Context) -> None:
    assert context.plan is not None
    image = context.current
    width, height = context.plan.box
    if (image.width, page_height(image)) == (width, height):
        return
    if context.options.effective_fit == "cover":
        position = context.options.position
        if position in SMART:
            # Smart crop reads the pixels now; keep them, since a sequential
            # source cannot be read a second time by the encoder.
            with context.deadline.watch(image):
                image = image.copy_memory()
        left, top = _cover_offset(image, width, height, position)
        context.image = each_frame(
            image, lambda frame: frame.crop(left, top, width, height)
        )
    else:
        context.image = _pad(context, image, width, height)


def _cover_offset(
    image: pyvips.Image, width: int, height: int, position: str
) -> tuple[int, int]:
    spare_x, spare_y = image.width - width, page_height(image) - height
    if position in SMART:
        # Decided on the first frame, so an animation's frames stay aligned.
        first = image.crop(0, 0, image.width, page_height(image))
        chosen = first.smartcrop(width, height, interesting=position)
        return -chosen.xoffset, -chosen.yoffset
    left = {"left": 0, "right": spare_x}.get(position, spare_x // 2)
    top = {"top": 0, "bottom": spare_y}.get(position, spare_y // 2)
    return left, top


def _pad(
    context: Context, image: pyvips.Image, width: int, height: int
) -> pyvips.Image:
    background = context.options.background
    if background is None and context.options.format in WITH_ALPHA:
        if not image.hasalpha():
            image = image.bandjoin_const([255])
        colour = [0] * image.bands  # transparent
    else:
        colour = solid(background, image) + ([255] if image.hasalpha() else [])
    return each_frame(
        image,
        lambda frame: frame.gravity(
            "centre", width, height, extend="background", background=colour
        ),
    )
