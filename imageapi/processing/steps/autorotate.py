"""Apply the EXIF orientation, so every derivative is upright."""

from __future__ import annotations

from imageapi.processing.context import Context


def autorotate(context: Context) -> None:
    if not context.resized:  # thumbnail() already did it
        context.image = context.current.autorot()
