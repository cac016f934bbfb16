"""Queries on usage counters, and the image totals that usage and quotas report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger
from sqlalchemy import Row
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import Image
from imageapi.db.models import UsageCounter
from imageapi.db.upsert import insert_for

COUNTER_KEY = ("user_id", "day", "api_key_id", "route", "status_class")
COUNTS = ("requests", "bytes_in", "bytes_out", "processing_ms", "derivatives_served")


def _sum(column) -> Any:
    # PostgreSQL sums bigints as numeric; cast back so Python sees an int.
    return cast(func.coalesce(func.sum(column), 0), BigInteger)


class UsageRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add_counts(self, rows: Sequence[dict[str, Any]]) -> None:
        """Add each row's counts to its counter, creating counters as needed.

        Rows are written in key order so that two workers flushing overlapping
        counters lock them in the same order and cannot deadlock.
        """
        if not rows:
            return
        insert = insert_for(self._session.get_bind().dialect.name)
        statement = insert(UsageCounter)
        statement = statement.on_conflict_do_update(
            index_elements=list(COUNTER_KEY),
            set_={
                name: getattr(UsageCounter, name) + statement.excluded[name]
                for name in COUNTS
            },
        )
        ordered = sorted(rows, key=lambda row: tuple(row[k] for k in COUNTER_KEY))
        self._session.execute(statement, ordered)

    def totals(self, user_id: str, first: date, last: date) -> Row:
        query = select(*(_sum(getattr(UsageCounter, name)) for name in COUNTS))
        return self._session.execute(
            query.where(*self._range(first, last), UsageCounter.user_id == user_id)
        ).one()

    def by_day(self, user_id: str, first: date, last: date) -> list[Row]:
        query = (
            select(
                UsageCounter.day,
                _sum(UsageCounter.requests),
                _sum(UsageCounter.bytes_in),
                _sum(UsageCounter.bytes_out),
            )
            .where(*self._range(first, last), UsageCounter.user_id == user_id)
            .group_by(UsageCounter.day)
            .order_by(UsageCounter.day)
        )
        return list(self._session.execute(query))

    def by_route(self, user_id: str, first: date, last: date) -> list[Row]:
        requests = _sum(UsageCounter.requests)
        query = (
            select(
                UsageCounter.route,
                requests,
                _sum(UsageCounter.bytes_in),
                _sum(UsageCounter.bytes_out),
            )
            .where(*self._range(first, last), UsageCounter.user_id == user_id)
            .group_by(UsageCounter.route)
            .order_by(requests.desc(), UsageCounter.route)
        )
        return list(self._session.execute(query))

    def by_api_key(self, user_id: str, first: date, last: date) -> list[Row]:
        """Per API key id; ``""`` is requests made with a session."""
        requests = _sum(UsageCounter.requests)
        query = (
            select(
                UsageCounter.api_key_id,
                requests,
                _sum(UsageCounter.bytes_in),
                _sum(UsageCounter.bytes_out),
            )
            .where(*self._range(first, last), UsageCounter.user_id == user_id)
            .group_by(UsageCounter.api_key_id)
            .order_by(requests.desc(), UsageCounter.api_key_id)
        )
        return list(self._session.execute(query))

    def totals_by_user(self, first: date, last: date) -> dict[str, Row]:
        query = (
            select(
                UsageCounter.user_id,
                *(_sum(getattr(UsageCounter, name)) for name in COUNTS),
            )
            .where(*self._range(first, last))
            .group_by(UsageCounter.user_id)
        )
        return {row[0]: row[1:] for row in self._session.execute(query)}

    def image_totals(self, user_id: str, since: datetime) -> Row:
        """(images, storage bytes, images created since ``since``) for one user."""
        query = select(
            func.count(Image.id),
            _sum(Image.size),
            _sum(case((Image.created_at >= since, 1), else_=0)),
        ).where(Image.user_id == user_id)
        return self._session.execute(query).one()

    def image_totals_by_user(self) -> dict[str, Row]:
        query = select(Image.user_id, func.count(Image.id), _sum(Image.size)).group_by(
            Image.user_id
        )
        return {row[0]: row[1:] for row in self._session.execute(query)}

    @staticmethod
    def _range(first: date, last: date) -> tuple:
        return (UsageCounter.day >= first, UsageCounter.day <= last)
