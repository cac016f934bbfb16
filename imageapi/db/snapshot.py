"""Consistent copies of a SQLite database file, through SQLite's backup API."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_SECONDS = 60


@contextmanager
def writes_paused(database: Path) -> Iterator[None]:
    """Hold SQLite's write lock: readers go on, writers wait (busy timeout).

    Deleting an image commits its row before removing its objects, so while
    this is held no object of a row in the database can disappear.
    """
    connection = sqlite3.connect(
        database, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
    )
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


def copy_database(source: Path, target: Path) -> None:
    """Copy a live database page by page into ``target`` (a new file)."""
    with sqlite3.connect(source, timeout=BUSY_TIMEOUT_SECONDS) as origin:
        copy = sqlite3.connect(target)
        try:
            origin.backup(copy)
        finally:
            copy.close()
