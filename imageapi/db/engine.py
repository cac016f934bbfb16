"""Engine and session factory set-up, with SQLite made safe for several workers."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy.orm import sessionmaker

# SQLite: a deferred transaction that later writes can fail at once with
# "database is locked" when another worker wrote first, because the busy
# handler is not used for that upgrade. Writers therefore start with
# BEGIN IMMEDIATE and wait their turn; readers stay deferred and never block.
SQLITE_BEGIN_OPTION = "sqlite_begin"


# hide_parameters: error messages (and so the 500 tracebacks in the log) must
# not carry bound values, which include EXIF places and API-key hashes.
def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    # hide_parameters: bound values (emails, token hashes) never reach a log
    # or an error message. No pool_pre_ping: it would cost a round trip per
    # request (an authenticated cache hit is one query). A connection the
    # server dropped fails its first statement instead; SQLAlchemy then
    # discards the whole pool, the request gets a 503 (web/errors.py) and the
    # next ones connect afresh. pool_recycle retires connections before the
    # usual idle timeouts of proxies and poolers.
    return create_engine(
        url,
        pool_recycle=1800,
        pool_size=5,
        max_overflow=10,
        hide_parameters=True,
    )


def make_session_factories(engine: Engine) -> tuple[sessionmaker, sessionmaker]:
    """(writer, reader) session factories; they differ only on SQLite."""
    writer = sessionmaker(engine, expire_on_commit=False)
    reader_engine = engine.execution_options(**{SQLITE_BEGIN_OPTION: "DEFERRED"})
    reader = sessionmaker(reader_engine, expire_on_commit=False)
    return writer, reader


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
        if mode is None:
            return  # one statement, its own transaction (db/quick_reads.py)
        connection.exec_driver_sql(f"BEGIN {mode}")
