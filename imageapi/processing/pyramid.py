"""Reduced copies of an original, each half the size of the one above, and
which one a derivative is rendered from.

At upload the original is decoded once, shrunk on load to the largest level;
each smaller level is resized from the level above it in memory, so the
pyramid costs one decode. A derivative then reads the smallest level that
still has enough pixels for full quality: a 256-px thumbnail of a 12 MP photo
decodes a 512-px file instead of the original.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from typing import TypeVar

import pyvips

from imageapi.processing.geometry import plan
from imageapi.processing.options import RenditionOptions

LEVEL_COUNT = 3  # the largest side, then halved twice: 2048, 1024, 512
SMALLEST_SIDE = 32  # a smaller level saves nothing worth a file
# A level is made only for an original at least this much larger: below it,
# decoding the original shrunk on load costs about what decoding the level
# would, and the level's file and the upload's work would buy nothing (a
# 680-px photo gets no 512-px level; a 4000-px one still gets the 2048 level).
MIN_REDUCTION = 1.5
# Measured (benchmarks/pyramid.py, docs/benchmarks.md): q90 with 4:2:0 chroma
# keeps SSIM >= 0.99 for derivatives at least HEADROOM below a level, takes
# half the bytes of q95 4:4:4 (0.2-0.4x the original's, all levels) and
# decodes faster. Chroma at half a level's resolution is still at the
# result's full resolution there.
LEVEL_JPEG_QUALITY = 90
LEVEL_JPEG_SUBSAMPLING = "on"
# Lossless WebP at effort 1 decodes ~1.5x faster than PNG and is ~4x smaller;
# higher efforts cost seconds at upload for little gain.
LEVEL_WEBP_EFFORT = 1
# Render from a level only when the result is at least this much smaller than
# the level would be at the same scale: resampling twice (original -> level ->
# result) then stays invisible. Measured: SSIM >= 0.992 at 2x on both test
# photos, while 1.7x drops to 0.989; so each level serves results up to half
# its size (the 512-px level a 256-px thumbnail).
HEADROOM = 2.0
KEEP_ICC = pyvips.enums.ForeignKeep.ICC


class Sized(Protocol):
    """A level as rendering sees it: its size (stored ones carry a key too)."""

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...


AnyLevel = TypeVar("AnyLevel", bound=Sized)


@dataclass(frozen=True)
class Level:
    width: int
    height: int
    format: str  # "jpeg" for opaque images, "webp" (lossless) with alpha

    @property
    def longest(self) -> int:
        """The level's name: its file and storage key end with it."""
        return max(self.width, self.height)


@dataclass(frozen=True)
class Pyramid:
    levels: tuple[Level, ...]  # largest first


def level_sides(max_side: int) -> tuple[int, ...]:
    """The levels' longest sides for a largest level of ``max_side`` (0: none)."""
    sides = (max_side >> step for step in range(LEVEL_COUNT))
    return tuple(side for side in sides if side >= SMALLEST_SIDE)


def makes_level(side: int, original_side: int) -> bool:
    """Whether an original with this longest side gets the level of ``side``."""
    return side * MIN_REDUCTION <= original_side


def build_pyramid(
    source: Path | pyvips.Image,
    dest_dir: Path,
    *,
    max_side: int,
    original_side: int | None = None,
) -> Pyramid:
    """Write a level per side of ``level_sides(max_side)`` the original gets
    (``makes_level``) to ``dest_dir/<side>``.

    ``source`` is the original's file (decoded here once, shrunk on load and
    made upright) or an image already decoded from it, upright and in memory,
    best shrunk on load to ``max_side``; ``original_side`` is then the
    original's longest upright side (default: the image's). Levels keep the
    ICC profile and pixel values of the source; they are JPEG when opaque and
    lossless WebP with alpha. Only levels the original gains from are made
    (``makes_level``), and none for several pages (animations render every
    frame).
    """
    sides = level_sides(max_side)
    if isinstance(source, Path):
        header = pyvips.Image.new_from_file(str(source))
        if header.get_typeof("n-pages") and header.get("n-pages") > 1:
            return Pyramid(levels=())  # animations render every frame
        original_side = max(header.width, header.height)
        largest = sides[0] if sides else original_side
        source = pyvips.Image.thumbnail(
            str(source), largest, height=largest, size="down"
        ).copy_memory()
    image = source
    original_side = original_side or max(image.width, image.height)
    levels = []
    for side in sides:
        if not makes_level(side, original_side):
            continue
        if max(image.width, image.height) > side:
            image = image.thumbnail_image(side, height=side).copy_memory()
        levels.append(_save(image, dest_dir / str(side)))
    return Pyramid(tuple(levels))


def choose_level(
    options: RenditionOptions,
    original: tuple[int, int],
    levels: Iterable[AnyLevel],
) -> AnyLevel | None:
    """The smallest level ``options`` renders from at full quality; None for
    the original.

    Args:
        options: the parsed rendition options.
        original: the original's upright (width, height).
        levels: the image's pyramid, in any order.
    """
    needed = plan(original, options).scale * HEADROOM
    for level in sorted(levels, key=lambda lv: lv.width):
        if options.crop is not None and not _maps_back_exactly(original, level):
            continue
        # With a little slack for rounding: 256 px of 2400 is exactly half of
        # the 512-px level, but 256 / 2400 * 2 > 512 / 2400 in floating point.
        if needed <= level_scale(original, level) * (1 + 1e-9):
            return level
    return None


def level_scale(original: tuple[int, int], level: Sized) -> float:
    """The level's pixels per original pixel (along the width)."""
    return level.width / original[0]


def _maps_back_exactly(original: tuple[int, int], level: Sized) -> bool:
    """Whether the level's height is the original's at the level's scale.

    The pipeline maps a crop (in original pixels) onto the level with one
    scale, the width's; when rounding made the level's height a pixel off at
    that scale, a crop's rows would land up to a pixel off. Such crops use a
    larger level or the original.
    """
    return round(level.height / level_scale(original, level)) == original[1]


def _save(image: pyvips.Image, path: Path) -> Level:
    if image.hasalpha():
        image.webpsave(
            str(path), lossless=True, effort=LEVEL_WEBP_EFFORT, keep=KEEP_ICC
        )
        level_format = "webp"
    else:
        image.jpegsave(
            str(path),
            Q=LEVEL_JPEG_QUALITY,
            subsample_mode=LEVEL_JPEG_SUBSAMPLING,
            keep=KEEP_ICC,
        )
        level_format = "jpeg"
    return Level(width=image.width, height=image.height, format=level_format)
