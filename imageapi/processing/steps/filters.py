"""Pixel filters: grayscale, blur and sharpen (per frame for animations)."""

from __future__ import annotations

from imageapi.processing.context import Context
from imageapi.processing.frames import each_frame


def grayscale(context: Context) -> None:
    if context.options.grayscale:
        context.image = context.current.colourspace("b-w")


def blur(context: Context) -> None:
    sigma = context.options.blur
    if sigma:
        context.image = each_frame(
            context.current, lambda frame: frame.gaussblur(sigma)
        )


def sharpen(context: Context) -> None:
    sigma = context.options.sharpen
    if sigma:
        context.image = each_frame(
            context.current, lambda frame: frame.sharpen(sigma=sigma)
        )
