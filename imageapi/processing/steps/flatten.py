"""Formats without alpha get transparency flattened onto the background."""

from __future__ import annotations

from imageapi.processing.context import Context
from imageapi.processing.formats import WITH_ALPHA
from imageapi.processing.steps.colour import solid


def flatten(context: Context) -> None:
    image = context.current
    if context.options.format in WITH_ALPHA or not image.hasalpha():
        return
    background = solid(context.options.background, image)
    context.image = image.flatten(background=background)
