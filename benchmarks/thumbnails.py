"""The derivatives the delivery benchmark asks for, as imageapi and thumbor paths.

"First request" lists never name the same derivative twice: each path is a
distinct width or quality of one of several copies of the photograph (copies
are uploaded to imageapi, hard links in thumbor's image folder), and the two
connection modes get disjoint copies. The lists are long enough for
``MAX_FIRST_REQUESTS_PER_SECOND``; a run that goes faster repeats paths, and
the table says so.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

CACHED_WIDTH = 256
# 256 px at a distinct JPEG quality: thumbor decodes the JPEG in Pillow's draft
# mode (at 1/8 scale), its fastest path. 82 is imageapi's default quality,
# which the widths list asks for at 256 px.
THUMB_QUALITIES = [quality for quality in range(30, 101) if quality != 82]
WIDTHS = range(200, 331)
WEBP_WIDTH = 800
WEBP_QUALITIES = [quality for quality in range(30, 101) if quality != 80]
MAX_FIRST_REQUESTS_PER_SECOND = 250
FIRST_REQUEST_ROWS = ("first-quality", "first-width", "webp")


def copies_per_mode(seconds: int) -> int:
    """Copies of each photograph one connection mode needs to ask for
    ``seconds`` at the assumed top rate without a repeat."""
    return math.ceil(seconds * MAX_FIRST_REQUESTS_PER_SECOND / len(THUMB_QUALITIES))


@dataclass(frozen=True)
class Copies:
    """How one server names the copies of the photograph and of the HD image."""

    photos: list[str]
    hds: list[str]


def imageapi_first_paths(copies: Copies) -> dict[str, list[str]]:
    """Content URLs per first-request row; the copy changes fastest."""
    content = "/api/v1/images/{}/content?{}"
    return {
        "first-quality": [
            content.format(image, f"width={CACHED_WIDTH}&quality={quality}")
            for quality in THUMB_QUALITIES
            for image in copies.photos
        ],
        "first-width": [
            content.format(image, f"width={width}")
            for width in WIDTHS
            for image in copies.photos
        ],
        "webp": [
            content.format(image, f"width={WEBP_WIDTH}&format=webp&quality={quality}")
            for quality in WEBP_QUALITIES
            for image in copies.hds
        ],
    }


def thumbor_first_paths(copies: Copies) -> dict[str, list[str]]:
    """thumbor's unsafe URLs for the same derivatives."""
    return {
        "first-quality": [
            f"/unsafe/{CACHED_WIDTH}x0/filters:quality({quality})/{name}"
            for quality in THUMB_QUALITIES
            for name in copies.photos
        ],
        "first-width": [
            f"/unsafe/{width}x0/{name}" for width in WIDTHS for name in copies.photos
        ],
        "webp": [
            f"/unsafe/{WEBP_WIDTH}x0/filters:format(webp):quality({quality})/{name}"
            for quality in WEBP_QUALITIES
            for name in copies.hds
        ],
    }


def thumbor_copies(root: Path, photo: Path, hd: Path, count: int) -> list[Copies]:
    """Hard links of both files under ``root``, split between the two modes."""
    names: dict[str, list[str]] = {"photo": [], "hd": []}
    for number in range(2 * count):
        for stem, source in (("photo", photo), ("hd", hd)):
            name = f"{stem}-{number}.jpg"
            os.link(source, root / name)
            names[stem].append(name)
    return split_by_mode(names["photo"], names["hd"])


def split_by_mode(photos: list[str], hds: list[str]) -> list[Copies]:
    """Disjoint copies for each connection mode, in the order of
    ``benchmarks.wrk.CONNECTION_MODES``."""
    return [Copies(photos[mode::2], hds[mode::2]) for mode in range(2)]
