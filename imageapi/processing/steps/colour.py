"""Convert to sRGB: through the embedded ICC profile if there is one.

Greyscale stays one band (still sRGB-gamma grey); 16-bit images become 8-bit.
"""

from __future__ import annotations

import pyvips

from imageapi.processing.context import Context
from imageapi.processing.options import DEFAULT_BACKGROUND

KEEP = ("srgb", "b-w")


def to_srgb(context: Context) -> None:
    image = context.current
    if image.get_typeof("icc-profile-data"):
        image = image.icc_transform("srgb", embedded=True, intent="perceptual")
    if image.interpretation == "grey16":
        image = image.colourspace("b-w")
    elif image.interpretation not in KEEP:
        image = image.colourspace("srgb")
    if image.format != "uchar":
        image = image.cast("uchar")
    context.image = image


def solid(rgb: tuple[int, int, int] | None, image: pyvips.Image) -> list[int]:
    """``rgb`` (default white) as pixel values for ``image``'s colour bands."""
    red, green, blue = rgb or DEFAULT_BACKGROUND
    if image.bands - int(image.hasalpha()) >= 3:
        return [red, green, blue]
    return [round(0.2126 * red + 0.7152 * green + 0.0722 * blue)]  # grey
