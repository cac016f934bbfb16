"""One writer at a time on a SQLite file, queued instead of polling.

SQLite lets one transaction write at a time. A writer that finds the lock
taken waits in SQLite's busy handler, which sleeps and retries with growing
pauses (up to 100 ms each): under a stream of uploads from several worker
processes a writer can lose the race again and again, and the slowest
uploads took 800 ms while the median took 60. Writers therefore queue first
on a thread lock within the process and an ``flock`` on a file beside the
database across processes; both wake the next waiter the moment the holder
lets go, so SQLite's own lock is almost always free when BEGIN IMMEDIATE asks.

Writers that do not pass the gate (another program, a command run beside the
server) still work: they meet SQLite's busy handler as before.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from types import TracebackType

from sqlalchemy import Engine

LOCK_SUFFIX = ".write-lock"


class WriteGate:
    """Re-entrant for the thread that holds it (a nested write then simply
    waits in SQLite's busy handler, as it would without the gate)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._thread_lock = threading.RLock()
        self._fd: int | None = None
        self._fd_pid = 0
        self._depth = 0

    def __enter__(self) -> WriteGate:
        if self._path is None:
            return self
        self._thread_lock.acquire()
        self._depth += 1
        if self._depth == 1:
            try:
                fcntl.flock(self._file(), fcntl.LOCK_EX)
            except BaseException:
                self._depth -= 1
                self._thread_lock.release()
                raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._path is None:
            return
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()

    def _file(self) -> int:
        # A descriptor inherited across fork shares its lock with the parent:
        # each process opens its own.
        if self._fd is None or self._fd_pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._fd_pid = os.getpid()
        return self._fd


_gates: dict[str, WriteGate] = {}
_gates_lock = threading.Lock()


def write_gate(engine: Engine) -> WriteGate:
    """The process's gate for the engine's database: a real one for a SQLite
    file, a no-op for PostgreSQL (its row locks queue writers already) and an
    in-memory SQLite."""
    database = sqlite_file(engine)
    if database is None:
        return WriteGate(None)
    path = str(database) + LOCK_SUFFIX
    with _gates_lock:
        return _gates.setdefault(path, WriteGate(Path(path)))


def sqlite_file(engine: Engine) -> Path | None:
    """The engine's database file, if it is a SQLite file (not in memory)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database).resolve()
