"""Queries over the derivative cache index."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import Derivative
from imageapi.db.models import Image
from imageapi.db.upsert import insert_for

_ADDED_COLUMNS = (
    "image_id",
    "cache_key",
    "storage_key",
    "size",
    "content_type",
    "created_at",
    "last_used_at",
)


def _add_if_absent(dialect_name: str):
    # On the table, not the mapped class, and built once: every cache miss
    # inserts a row, and an ORM insert built per call cost more Python time
    # than the rest of storing the derivative. RETURNING rather than
    # rowcount, which not every driver reports for this statement.
    table = Derivative.__table__
    return (
        insert_for(dialect_name)(table)
        .values({column: bindparam(column) for column in _ADDED_COLUMNS})
        .on_conflict_do_nothing()
        .returning(table.c.id)
    )


_ADD_IF_ABSENT = {name: _add_if_absent(name) for name in ("sqlite", "postgresql")}

# Rows read per round when picking eviction victims, oldest first.
EVICTION_BATCH = 500


class DerivativeRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add_if_absent(self, row: dict) -> bool:
        """Insert unless an identical derivative is already indexed.

        Two identical cold requests both render and both store the same key;
        ON CONFLICT DO NOTHING lets the second insert be a no-op instead of an
        error. Returns whether this call inserted the row.
        """
        statement = _ADD_IF_ABSENT[self._session.get_bind().dialect.name]
        return self._session.execute(statement, row).scalar_one_or_none() is not None

    def touch_many(self, uses: list[dict], interval: timedelta) -> None:
        """Set ``last_used_at`` of each ``{"image", "key", "when"}`` use, where
        the stored time is older than ``when - interval``; one statement."""
        table = Derivative.__table__
        for use in uses:
            use["stale_before"] = use["when"] - interval
        self._session.execute(
            update(table)
            .where(
                table.c.image_id == bindparam("image"),
                table.c.cache_key == bindparam("key"),
                table.c.last_used_at < bindparam("stale_before"),
            )
            .values(last_used_at=bindparam("when")),
            uses,
        )

    def total_size(self) -> int:
        return int(
            self._session.scalar(select(func.coalesce(func.sum(Derivative.size), 0)))
        )

    def least_recently_used(
        self, offset: int, user_id: str | None = None
    ) -> list[tuple[int, str, int]]:
        """(id, storage key, size) of the least recently used rows, a batch;
        only ``user_id``'s derivatives when given."""
        query = select(Derivative.id, Derivative.storage_key, Derivative.size)
        if user_id is not None:
            query = query.join(Image, Image.id == Derivative.image_id).where(
                Image.user_id == user_id
            )
        query = (
            query.order_by(Derivative.last_used_at, Derivative.id)
            .offset(offset)
            .limit(EVICTION_BATCH)
        )
        return [tuple(row) for row in self._session.execute(query)]

    def size_of_user(self, user_id: str) -> int:
        """Bytes of the derivatives of ``user_id``'s images.

        A join rather than a user column on derivatives: the unique
        (image_id, cache_key) index and the images' user index serve it.
        """
        query = (
            select(func.coalesce(func.sum(Derivative.size), 0))
            .join(Image, Image.id == Derivative.image_id)
            .where(Image.user_id == user_id)
        )
        return int(self._session.scalar(query))

    def delete_ids(self, ids: list[int]) -> None:
        self._session.execute(delete(Derivative).where(Derivative.id.in_(ids)))

    def all_keys(self) -> list[tuple[int, str]]:
        """(id, storage key) of every cached derivative."""
        query = select(Derivative.id, Derivative.storage_key)
        return [tuple(row) for row in self._session.execute(query)]
