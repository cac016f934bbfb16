"""What a render will cost, estimated from sizes alone, before any decoding.

Two figures: the *work* (roughly proportional to CPU time) decides whether a
render is cheap enough for the slot kept free for cheap renders; the *memory*
is checked against ``limits.max_request_memory_bytes``.
"""

from __future__ import annotations

from imageapi.processing.geometry import Plan
from imageapi.processing.options import RenditionOptions

# libvips keeps at most 4 bytes per pixel for the 8-bit images we output
# (RGBA); animation savers and rotations hold whole frames at that size.
BYTES_PER_OUTPUT_PIXEL = 4
# The largest shrink-on-load JPEG and WebP decoders do (1/8 per side).
MAX_LOAD_SHRINK = 8


def render_work(
    plan: Plan, options: RenditionOptions, *, frames: int, source_scale: float
) -> int:
    """Pixels decoded plus pixels produced, the latter weighted by the filters.

    The decoder reads the region of the source (of a pyramid level when
    ``source_scale`` < 1), shrunk on load by up to 8 per side when the result
    is that much smaller. A Gaussian blur's kernel grows with its sigma, so
    blurred output pixels count sigma times.
    """
    region_pixels = plan.region[0] * plan.region[1] * source_scale**2
    load_shrink = min(MAX_LOAD_SHRINK, max(1.0, source_scale / plan.scale))
    decoded = region_pixels / load_shrink**2
    produced = max(plan.scaled[0] * plan.scaled[1], plan.box[0] * plan.box[1]) * (
        1 + (options.blur or 0) + (options.sharpen or 0)
    )
    return int((decoded + produced) * frames)


def held_memory(plan: Plan, *, frames: int) -> int:
    """Bytes of a rendition held whole in memory: every frame of the result."""
    largest = max(plan.scaled[0] * plan.scaled[1], plan.box[0] * plan.box[1])
    return frames * largest * BYTES_PER_OUTPUT_PIXEL
