"""Date arithmetic that stays inside ``datetime``'s range (years 1 to 9999).

Clients may send any instant the formats allow, such as year 1 at +14:00,
whose UTC time is before year 1. Filters and ranges built from such values
saturate at the ends of the range instead of overflowing: "after the
earliest representable time" means the same to every query.
"""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

EARLIEST = datetime.min.replace(tzinfo=UTC)
LATEST = datetime.max.replace(tzinfo=UTC)


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC (naive values are taken as UTC), clamped to the range."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        offset = value.utcoffset() or timedelta(0)
        return EARLIEST if offset > timedelta(0) else LATEST


def shifted(value: datetime, delta: timedelta) -> datetime:
    """``value + delta``, clamped to the representable range."""
    try:
        return value + delta
    except OverflowError:
        return EARLIEST if delta < timedelta(0) else LATEST


def shifted_day(value: date, delta: timedelta) -> date:
    """``value + delta`` for days, clamped to ``date.min`` and ``date.max``."""
    try:
        return value + delta
    except OverflowError:
        return date.min if delta < timedelta(0) else date.max
