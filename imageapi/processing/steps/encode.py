"""Write the output format, keeping only the ICC profile of all metadata."""

from __future__ import annotations

import pyvips

from imageapi.processing.context import Context

KEEP_ICC = pyvips.enums.ForeignKeep.ICC
SAVERS = {
    "jpeg": (".jpg", {"optimize_coding": True}),
    "png": (".png", {"compression": 6}),
    # Effort 2: half the encode time of libvips' default 4 for files ~5 %
    # larger (800-px photo: 20 ms against 45 ms, 49.9 KB against 47.7 KB).
    "webp": (".webp", {"effort": 2}),
    "avif": (".avif", {"compression": "av1", "effort": 2}),
    "gif": (".gif", {}),
    "tiff": (".tif", {"compression": "deflate"}),
}


def encode(context: Context) -> None:
    options = context.options
    suffix, settings = SAVERS[options.format]
    if options.quality is not None:
        settings = {**settings, "Q": options.quality}
    image = context.current
    with context.deadline.watch(image):
        context.data = image.write_to_buffer(suffix, keep=KEEP_ICC, **settings)
