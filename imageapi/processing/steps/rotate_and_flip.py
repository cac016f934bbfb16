"""Rotate clockwise and mirror; flip is folded in as flop + 180° (see options)."""

from __future__ import annotations

from imageapi.processing.context import Context
from imageapi.processing.frames import each_frame

ROTATIONS = {90: "d90", 180: "d180", 270: "d270"}


def rotate_and_flip(context: Context) -> None:
    rotation, flop = context.options.orientation
    if not rotation and not flop:
        return
    # Rotations read the image out of order; the image is already resized,
    # so holding it in memory is cheap and avoids re-reading a sequential load.
    with context.deadline.watch(context.current):
        image = context.current.copy_memory()

    def turn(frame):
        if rotation:
            frame = frame.rot(ROTATIONS[rotation])
        return frame.fliphor() if flop else frame

    context.image = each_frame(image, turn)
