"""Usage reports: one user's totals by day and route, and every user's totals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

from imageapi.datetimes import shifted_day
from imageapi.db.uow import Database
from imageapi.errors import InvalidParameter

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Totals:
    requests: int
    bytes_in: int
    bytes_out: int
    images: int
    storage_bytes: int
    derivatives_served: int
    processing_ms: int


@dataclass(frozen=True)
class DayUsage:
    day: date
    requests: int
    bytes_in: int
    bytes_out: int


@dataclass(frozen=True)
class RouteUsage:
    route: str
    requests: int
    bytes_in: int
    bytes_out: int


@dataclass(frozen=True)
class ApiKeyUsage:
    api_key_id: str | None  # None: requests made with a session
    requests: int
    bytes_in: int
    bytes_out: int


@dataclass(frozen=True)
class UsageSummary:
    first: date
    last: date
    totals: Totals
    by_day: list[DayUsage]
    by_route: list[RouteUsage]
    by_api_key: list[ApiKeyUsage]


@dataclass(frozen=True)
class UserTotals:
    user_id: str
    email: str
    totals: Totals


class UsageService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def save_counts(self, rows: list[dict[str, Any]]) -> None:
        """Add buffered counts to the stored counters (the recorder's sink)."""
        with self._db.write() as uow:
            uow.usage.add_counts(rows)
            uow.commit()

    def date_range(self, first: date | None, last: date | None) -> tuple[date, date]:
        """Both days inclusive; by default the last 30 UTC days up to today."""
        last = last or self._clock().date()
        first = first or shifted_day(last, -timedelta(days=DEFAULT_DAYS - 1))
        if first > last:
            raise InvalidParameter("'from' must not be after 'to'.")
        if (last - first).days >= MAX_DAYS:
            raise InvalidParameter(f"Ask for at most {MAX_DAYS} days at a time.")
        return first, last

    def summary(
        self, user_id: str, first: date | None = None, last: date | None = None
    ) -> UsageSummary:
        first, last = self.date_range(first, last)
        since = self._clock()
        with self._db.read() as uow:
            requests, bytes_in, bytes_out, ms, derivatives = uow.usage.totals(
                user_id, first, last
            )
            images, storage_bytes, _ = uow.usage.image_totals(user_id, since)
            by_day = [DayUsage(*row) for row in uow.usage.by_day(user_id, first, last)]
            by_route = [
                RouteUsage(*row) for row in uow.usage.by_route(user_id, first, last)
            ]
            by_api_key = [
                ApiKeyUsage(key_id or None, *counts)
                for key_id, *counts in uow.usage.by_api_key(user_id, first, last)
            ]
        totals = Totals(
            requests, bytes_in, bytes_out, images, storage_bytes, derivatives, ms
        )
        return UsageSummary(first, last, totals, by_day, by_route, by_api_key)

    def all_users(
        self, first: date | None = None, last: date | None = None
    ) -> tuple[date, date, list[UserTotals]]:
        """Every user's totals over the range, users without usage included."""
        first, last = self.date_range(first, last)
        with self._db.read() as uow:
            usage = uow.usage.totals_by_user(first, last)
            images = uow.usage.image_totals_by_user()
            users = uow.users.list_all_emails()
        zero_usage, zero_images = (0, 0, 0, 0, 0), (0, 0)
        result = []
        for user_id, email in users:
            requests, bytes_in, bytes_out, ms, derivatives = usage.get(
                user_id, zero_usage
            )
            count, stored = images.get(user_id, zero_images)
            totals = Totals(
                requests, bytes_in, bytes_out, count, stored, derivatives, ms
            )
            result.append(UserTotals(user_id, email, totals))
        return first, last, result
