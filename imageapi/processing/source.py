"""Which file to render from: the working copy when it is big enough."""

from __future__ import annotations

from imageapi.processing.geometry import plan
from imageapi.processing.options import RenditionOptions

# Render from the copy only when the result is at least this much smaller than
# the copy would be at the same scale: resampling twice (original -> copy ->
# result) then stays invisible. Measured with benchmarks/working_copy.py on a
# noisy 4000x3000 photo: SSIM >= 0.9929 at 1.6x for copies of 1024 px and up,
# while 1.25x drops to 0.987 for a 1024-px copy.
HEADROOM = 1.6


def choose_source(
    options: RenditionOptions,
    original: tuple[int, int],
    working_copy: tuple[int, int] | None,
) -> bool:
    """True to render ``options`` from the working copy, False from the original.

    Args:
        options: the parsed rendition options.
        original: the original's upright (width, height).
        working_copy: the copy's (width, height), or None when there is none.
    """
    if working_copy is None:
        return False
    if options.crop is not None and not _maps_back_exactly(original, working_copy):
        return False
    return plan(original, options).scale * HEADROOM <= copy_scale(
        original, working_copy
    )


def copy_scale(original: tuple[int, int], working_copy: tuple[int, int]) -> float:
    """The copy's pixels per original pixel: ``render``'s ``source_scale``."""
    return working_copy[0] / original[0]


def _maps_back_exactly(
    original: tuple[int, int], working_copy: tuple[int, int]
) -> bool:
    """Whether the copy's size and scale give back the original's exact size.

    Crops are in original pixels and the pipeline recovers the original's size
    from the copy's and one scale; rounding can be a pixel off in height, which
    would refuse a crop touching the bottom edge. Such crops use the original.
    """
    scale = copy_scale(original, working_copy)
    return round(working_copy[1] / scale) == original[1]
