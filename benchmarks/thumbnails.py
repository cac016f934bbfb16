"""The thumbnail rows of the delivery benchmark: the derivatives they ask for,
as imageapi and thumbor paths, and the images and cache they need first.

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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

from benchmarks.wrk import CONNECTION_MODES
from benchmarks.wrk import Load
from benchmarks.wrk import Loads
from benchmarks.wrk import both_modes

CACHED_WIDTH = 256
# 256 px at a distinct JPEG quality: thumbor decodes the JPEG in Pillow's draft
# mode (at 1/8 scale), its fastest path. 82 is imageapi's default quality,
# which the widths list asks for at 256 px.
THUMB_QUALITIES = [quality for quality in range(30, 101) if quality != 82]
WIDTHS = range(200, 331)
WEBP_WIDTH = 800
# Not 100: there thumbor writes lossless WebP, a different derivative that
# takes it five times as long.
WEBP_QUALITIES = [quality for quality in range(30, 100) if quality != 80]
# Keep-alive first requests of the 256-px row reach 350/s on a fast VM. Each
# of wrk's 4 connections walks a quarter of the list, but one alone on a
# worker sends up to half the requests: the list is sized for twice the rate.
# A shorter one ran out within a run and served the rest from the cache.
MAX_FIRST_REQUESTS_PER_SECOND = 700
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
    """``count`` hard links of both files per mode under ``root``."""
    names: dict[str, list[str]] = {"photo": [], "hd": []}
    for number in range(len(CONNECTION_MODES) * count):
        for stem, source in (("photo", photo), ("hd", hd)):
            name = f"{stem}-{number}.jpg"
            os.link(source, root / name)
            names[stem].append(name)
    return split_by_mode(names["photo"], names["hd"])


def split_by_mode(photos: list[str], hds: list[str]) -> list[Copies]:
    """Disjoint copies for each connection mode, in the order of
    ``benchmarks.wrk.CONNECTION_MODES``."""
    modes = len(CONNECTION_MODES)
    return [Copies(photos[mode::modes], hds[mode::modes]) for mode in range(modes)]


def first_request_loads(
    rows: list[str],
    paths_of: Callable[[Copies], dict[str, list[str]]],
    copies: list[Copies],
    headers: dict[str, str],
) -> Loads:
    """Each first-request row in both modes, each mode over its own copies."""
    per_mode = [paths_of(mode_copies) for mode_copies in copies]
    return {
        (row, mode): Load(paths[row], headers)
        for row in FIRST_REQUEST_ROWS
        if row in rows
        for mode, paths in zip(CONNECTION_MODES, per_mode, strict=True)
    }


def upload(base: str, auth: dict[str, str], path: Path, name: str) -> str:
    response = requests.post(
        f"{base}/api/v1/images",
        headers=auth,
        files={"image": (name, path.read_bytes(), "image/jpeg")},
    )
    response.raise_for_status()
    return response.json()["id"]


def imageapi_cached_loads(base: str, auth: dict[str, str], photo: Path) -> Loads:
    """The 256-px thumbnail of one photo, rendered once, by token and signed."""
    image_id = upload(base, auth, photo, "cached.jpg")
    hit = f"/api/v1/images/{image_id}/content?width={CACHED_WIDTH}"
    requests.get(base + hit, headers=auth).raise_for_status()
    signed = requests.post(
        f"{base}/api/v1/images/{image_id}/signed-urls",
        headers=auth,
        json={"params": {"width": CACHED_WIDTH}, "expires_in": 86400},
    )
    signed.raise_for_status()
    public = urlsplit(signed.json()["url"])
    public_path = f"{public.path}?{public.query}"
    requests.get(base + public_path).raise_for_status()
    return both_modes("authenticated", Load([hit], auth)) | both_modes(
        "signed", Load([public_path])
    )


def imageapi_copies(
    base: str, auth: dict[str, str], photo: Path, hd: Path, count: int, rows: list[str]
) -> list[Copies]:
    """``count`` uploaded copies per mode of each image the rows need."""
    photo_rows = {"first-quality", "first-width"} & set(rows)
    photos = [
        upload(base, auth, photo, f"photo-{number}.jpg")
        for number in range(len(CONNECTION_MODES) * count if photo_rows else 0)
    ]
    hds = [
        upload(base, auth, hd, f"hd-{number}.jpg")
        for number in range(len(CONNECTION_MODES) * count if "webp" in rows else 0)
    ]
    return split_by_mode(photos, hds)


def thumbor_cached_loads(base: str) -> Loads:
    """thumbor's 256-px thumbnail, requested before the run."""
    cached = f"/unsafe/{CACHED_WIDTH}x0/photo.jpg"
    # With result storage the first request stores it; the others give both
    # workers a chance to read it back before the run.
    for _ in range(4):
        requests.get(base + cached).raise_for_status()
    return both_modes("cached", Load([cached]))
