"""Camera, time and place from the EXIF fields libvips exposes on the header.

libvips shows each tag as ``"<value> (<readable>, <Type>, <n> components, <n>
bytes)"``; only the raw ``<value>`` part is used here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from fractions import Fraction

import pyvips

SUFFIX = re.compile(
    r" \((?P<readable>.*), (?P<type>\w+), \d+ components?, \d+ bytes?\)$"
)
OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
EXIF_TIME = "%Y:%m:%d %H:%M:%S"


@dataclass(frozen=True)
class Exif:
    camera_make: str | None = None
    camera_model: str | None = None
    taken_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None


def read_exif(image: pyvips.Image) -> Exif:
    return Exif(
        camera_make=_text(image, "exif-ifd0-Make"),
        camera_model=_text(image, "exif-ifd0-Model"),
        taken_at=_taken_at(image),
        latitude=_coordinate(image, "exif-ifd3-GPSLatitude", negative="S"),
        longitude=_coordinate(image, "exif-ifd3-GPSLongitude", negative="W"),
    )


def _raw(image: pyvips.Image, field: str) -> str | None:
    if not image.get_typeof(field):
        return None
    value = str(image.get(field))
    match = SUFFIX.search(value)
    return value[: match.start()].strip() if match else value.strip()


def _text(image: pyvips.Image, field: str) -> str | None:
    value = (_raw(image, field) or "").strip("\x00 ")
    return value[:255] or None


def _taken_at(image: pyvips.Image) -> datetime | None:
    """DateTimeOriginal with its offset, in UTC; without an offset it is taken
    as UTC."""
    for field, offset_field in (
        ("exif-ifd2-DateTimeOriginal", "exif-ifd2-OffsetTimeOriginal"),
        ("exif-ifd0-DateTime", "exif-ifd2-OffsetTime"),
    ):
        text = _raw(image, field)
        if not text:
            continue
        try:
            naive = datetime.strptime(text, EXIF_TIME)
        except ValueError:
            continue  # "0000:00:00 00:00:00" and other placeholders
        try:
            return naive.replace(tzinfo=_zone(_raw(image, offset_field))).astimezone(
                UTC
            )
        except (OverflowError, ValueError):
            # Year 1 at +14:00 (or 9999 at -14:00) has no UTC time in range,
            # and "+25:00" is no offset: the date is unusable, not the image.
            return None
    return None


def _zone(offset: str | None) -> timezone:
    match = OFFSET.match(offset or "")
    if not match:
        return UTC
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return timezone(sign * timedelta(minutes=minutes))


def _coordinate(image: pyvips.Image, field: str, *, negative: str) -> float | None:
    """Degrees, minutes, seconds as rationals -> signed decimal degrees."""
    text = _raw(image, field)
    if not text:
        return None
    try:
        parts = [Fraction(part) for part in text.split()]
    except (ValueError, ZeroDivisionError):
        return None
    if len(parts) != 3:
        return None
    degrees = float(parts[0] + parts[1] / 60 + parts[2] / 3600)
    limit = 90 if field.endswith("Latitude") else 180
    if degrees > limit:
        return None
    reference = (_raw(image, f"{field}Ref") or "").upper()
    return -degrees if reference.startswith(negative) else degrees
