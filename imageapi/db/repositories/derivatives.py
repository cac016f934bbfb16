"""Queries over the derivative cache index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import Derivative
from imageapi.db.upsert import insert_for

# Rows read per round when picking eviction victims, oldest first.
EVICTION_BATCH = 500


class DerivativeRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def find(self, image_id: str, cache_key: str) -> Derivative | None:
        query = select(Derivative).where(
            Derivative.image_id == image_id, Derivative.cache_key == cache_key
        )
        return self._session.scalars(query).one_or_none()

    def add_if_absent(self, row: dict) -> bool:
        """Insert unless an identical derivative is already indexed.

        Two identical cold requests both render and both store the same key;
        ON CONFLICT DO NOTHING lets the second insert be a no-op instead of an
        error. Returns whether this call inserted the row.
        """
        insert = insert_for(self._session.get_bind().dialect.name)
        statement = (
            insert(Derivative)
            .values(row)
            .on_conflict_do_nothing()
            .returning(Derivative.id)
        )
        # RETURNING rather than rowcount, which ORM-enabled inserts do not
        # report reliably on every driver.
        return self._session.execute(statement).scalar_one_or_none() is not None

    def touch(self, derivative_id: int, now: datetime) -> None:
        self._session.execute(
            update(Derivative)
            .where(Derivative.id == derivative_id)
            .values(last_used_at=now)
        )

    def storage_keys_of(self, image_id: str) -> list[str]:
        query = select(Derivative.storage_key).where(Derivative.image_id == image_id)
        return list(self._session.scalars(query))

    def total_size(self) -> int:
        return int(
            self._session.scalar(select(func.coalesce(func.sum(Derivative.size), 0)))
        )

    def least_recently_used(self, offset: int) -> list[tuple[int, str, int]]:
        """(id, storage key, size) of the least recently used rows, a batch."""
        query = (
            select(Derivative.id, Derivative.storage_key, Derivative.size)
            .order_by(Derivative.last_used_at, Derivative.id)
            .offset(offset)
            .limit(EVICTION_BATCH)
        )
        return [tuple(row) for row in self._session.execute(query)]

    def delete_ids(self, ids: list[int]) -> None:
        self._session.execute(delete(Derivative).where(Derivative.id.in_(ids)))

    def all_keys(self) -> list[tuple[int, str]]:
        """(id, storage key) of every cached derivative."""
        query = select(Derivative.id, Derivative.storage_key)
        return [tuple(row) for row in self._session.execute(query)]
