"""One-row reads on the request path, with as little Python around them as can be.

Every authenticated request reads its session. Through SQLAlchemy that
costs about 100 µs of Python on SQLite: a pooled connection checked out and
reset, an execution context, a result object. On SQLite the query itself
takes under 20 µs, so a SQLite file is read here on a read-only driver
connection each thread keeps, with the statement compiled once and
SQLAlchemy's own type conversions applied to the parameters and the row.

PostgreSQL (and an in-memory SQLite) go through SQLAlchemy as before: its
pool notices a connection the server dropped, discards it and turns the
failure into one 503 (web/errors.py), which a bare driver connection would
not.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import namedtuple
from collections.abc import Callable
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine
from sqlalchemy import Select
from sqlalchemy.exc import DBAPIError

from imageapi.db.engine import SQLITE_BEGIN_OPTION
from imageapi.db.write_gate import sqlite_file

BUSY_TIMEOUT_MS = 30_000


class QuickReads:
    """``one_or_none(statement, parameters)`` for statements known up front."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lookups = _lookup_engine(engine)
        self._path = sqlite_file(engine)
        self._compiled: dict[Select, _Compiled] = {}
        self._local = threading.local()

    def one_or_none(self, statement: Select, parameters: Mapping[str, Any]) -> Any:
        """The one row the statement selects (attributes named as its
        columns), or None."""
        if self._path is None:
            with self._lookups.connect() as connection:
                return connection.execute(statement, parameters).one_or_none()
        compiled = self._compiled.get(statement)
        if compiled is None:
            compiled = self._compiled[statement] = _Compiled(statement, self._engine)
        try:
            cursor = self._connection().execute(compiled.sql, compiled.bind(parameters))
            # fetchall steps the statement to its end, which ends its read
            # transaction at once rather than when the cursor is collected.
            rows = cursor.fetchall()
        except sqlite3.Error as exc:
            raise DBAPIError.instance(
                compiled.sql, None, exc, sqlite3.Error, hide_parameters=True
            ) from exc
        if not rows:
            return None
        if len(rows) > 1:
            raise ValueError("a quick read selected more than one row")
        return compiled.row(rows[0])

    def _connection(self) -> sqlite3.Connection:
        # Opened in the thread that uses it, after any fork: a driver
        # connection must not cross into a child process.
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            connection = sqlite3.connect(
                # A URI, percent-encoded, so any character may be in the path.
                f"{self._path.as_uri()}?mode=ro",
                uri=True,
                isolation_level=None,
                check_same_thread=False,
            )
            connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            self._local.connection = connection
            self._local.pid = os.getpid()
        return connection


class _Compiled:
    """A statement's SQL text, and SQLAlchemy's conversions for its values."""

    def __init__(self, statement: Select, engine: Engine) -> None:
        dialect = engine.dialect
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        processors = compiled._bind_processors
        self._binds: list[tuple[str, Callable[[Any], Any] | None]] = [
            (name, processors.get(name)) for name in compiled.positiontup or ()
        ]
        columns = list(statement.selected_columns)
        self._results = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in columns
        ]
        self._make = namedtuple("QuickRow", [column.key for column in columns])._make

    def bind(self, parameters: Mapping[str, Any]) -> list[Any]:
        return [
            convert(parameters[name]) if convert else parameters[name]
            for name, convert in self._binds
        ]

    def row(self, values: tuple) -> Any:
        return self._make(
            convert(value) if convert else value
            for convert, value in zip(self._results, values, strict=True)
        )


def _lookup_engine(engine: Engine) -> Engine:
    """The engine for reads through SQLAlchemy: one statement, no transaction
    (on PostgreSQL one round trip instead of BEGIN, the query and ROLLBACK;
    a single statement reads one snapshot anyway)."""
    if engine.dialect.name == "sqlite":
        # The driver is in autocommit mode already (db/engine.py): leave
        # out the BEGIN. Setting AUTOCOMMIT would hand connections back in
        # the driver's own transaction mode.
        return engine.execution_options(**{SQLITE_BEGIN_OPTION: None})
    return engine.execution_options(isolation_level="AUTOCOMMIT")
