"""A ``limits`` storage backend over SQLAlchemy, for fixed-window rate limits.

Each key is one row ``(key, count, expires_at)``. ``incr`` is a single atomic
upsert that restarts the window when it has expired, so every worker process
shares the same counters without Redis. Expired rows are purged now and then.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from limits.storage import Storage
from sqlalchemy import Engine
from sqlalchemy import bindparam
from sqlalchemy import case
from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from imageapi.db.engine import SQLITE_BEGIN_OPTION
from imageapi.db.models import RateLimitCounter
from imageapi.db.upsert import insert_for
from imageapi.db.write_gate import write_gate

PURGE_EVERY_SECONDS = 300.0


class DatabaseRateLimitStorage(Storage):
    """Fixed-window counters in the ``rate_limit_counters`` table."""

    STORAGE_SCHEME = None  # built with an engine, never from a URI string

    def __init__(
        self,
        engine: Engine,
        key_prefix: str = "imageapi",
        *,
        wrap_exceptions: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(None, wrap_exceptions=wrap_exceptions)
        self._engine = engine
        self._gate = write_gate(engine)
        # Reads must not take SQLite's write lock (see db/engine.py).
        self._reader = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
        self._prefix = f"{key_prefix}/"
        self._clock = clock
        self._insert = insert_for(engine.dialect.name)
        self._next_purge = 0.0
        self._increment = self._increment_statement()
        self._postgres = engine.dialect.name == "postgresql"

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self._clock()
        parameters = {
            "key": self._prefix + key,
            "amount": amount,
            "expires_at": now + expiry,
            "now": now,
        }
        with self._gate, self._engine.begin() as connection:
            if self._postgres:
                # A counter lost in a crash costs nothing; waiting for the
                # WAL flush on every request costs a few milliseconds.
                connection.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
            count = connection.execute(self._increment, parameters).scalar_one()
            if now >= self._next_purge:
                self._next_purge = now + PURGE_EVERY_SECONDS
                table = RateLimitCounter
                connection.execute(delete(table).where(table.expires_at < now))
        return int(count)

    def _increment_statement(self):
        """One upsert that restarts an expired window, built once (hot path)."""
        table = RateLimitCounter
        statement = self._insert(table).values(
            key=bindparam("key"),
            count=bindparam("amount"),
            expires_at=bindparam("expires_at"),
        )
        expired = table.expires_at <= bindparam("now")
        return statement.on_conflict_do_update(
            index_elements=[table.key],
            set_={
                "count": case(
                    (expired, statement.excluded.count),
                    else_=table.count + statement.excluded.count,
                ),
                "expires_at": case(
                    (expired, statement.excluded.expires_at), else_=table.expires_at
                ),
            },
        ).returning(table.count)

    def get(self, key: str) -> int:
        row = self._live_row(key)
        return int(row.count) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._live_row(key)
        return float(row.expires_at) if row else self._clock()

    def check(self) -> bool:
        try:
            with self._reader.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        table = RateLimitCounter
        with self._gate, self._engine.begin() as connection:
            result = connection.execute(
                delete(table).where(table.key.startswith(self._prefix, autoescape=True))
            )
        return result.rowcount

    def clear(self, key: str) -> None:
        table = RateLimitCounter
        with self._gate, self._engine.begin() as connection:
            connection.execute(delete(table).where(table.key == self._prefix + key))

    def _live_row(self, key: str):
        table = RateLimitCounter
        query = select(table.count, table.expires_at).where(
            table.key == self._prefix + key, table.expires_at > self._clock()
        )
        with self._reader.connect() as connection:
            return connection.execute(query).one_or_none()
