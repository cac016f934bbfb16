"""Conditional and partial GETs: If-None-Match, Range and If-Range."""

from __future__ import annotations

import re

import falcon

from imageapi.errors import RangeNotSatisfiable

_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def etag_matches(req: falcon.Request, etag: str) -> bool:
    """Whether If-None-Match names ``etag`` (weak comparison, as RFC 9110 asks)."""
    header = req.get_header("If-None-Match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def requested_range(
    req: falcon.Request, size: int, etag: str
) -> tuple[int, int] | None:
    """The single byte range to send, inclusive, or None for the whole body.

    Several ranges, or a stale If-Range, fall back to the whole body, which
    RFC 9110 allows; an unsatisfiable single range is a 416.
    """
    header = req.get_header("Range")
    if not header:
        return None
    if_range = req.get_header("If-Range")
    if if_range and if_range.strip() != etag:
        return None
    match = _SINGLE_RANGE.match(header.strip().replace(" ", ""))
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # a suffix: the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            raise _unsatisfiable(size)
        return max(size - length, 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        raise _unsatisfiable(size)
    return start, end


def _unsatisfiable(size: int) -> RangeNotSatisfiable:
    return RangeNotSatisfiable(
        f"The image has {size} bytes; the requested range lies outside them.",
        headers={"Content-Range": f"bytes */{size}"},
    )
