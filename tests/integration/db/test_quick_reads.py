"""Quick reads (the session and API-key lookups) give what SQLAlchemy gives,
see every commit at once, and fail as database errors."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Column
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from imageapi.auth.tokens import token_hash
from imageapi.db.base import Base
from imageapi.db.engine import make_engine
from imageapi.db.engine import make_session_factories
from imageapi.db.models import Session
from imageapi.db.repositories.sessions import ACTIVE_SESSION_USER
from imageapi.db.uow import Database
from tests.rows import NOW
from tests.rows import add_user


def open_session(db, user_id: str, token: str) -> int:
    row = Session(
        user_id=user_id,
        token_hash=token_hash(token),
        created_at=NOW,
        expires_at=NOW + timedelta(days=1),
    )
    with db.write() as uow:
        uow.sessions.add(row)
        uow.commit()
    return row.id


def lookup(token: str) -> dict:
    return {"token_hash": token_hash(token), "now": NOW}


def test_a_quick_read_gives_the_row_sqlalchemy_gives(db):
    user = add_user(db, max_images=7)
    session_id = open_session(db, user.id, "token-a")
    quick = db.read_one(ACTIVE_SESSION_USER, lookup("token-a"))
    with db.read() as uow:
        expected = uow.session.execute(ACTIVE_SESSION_USER, lookup("token-a")).one()
    assert tuple(quick) == tuple(expected)
    assert quick._fields == tuple(expected._fields)
    # The column types' own conversions: an aware datetime, a real bool.
    assert quick.created_at == NOW and quick.created_at.tzinfo is not None
    assert quick.disabled is False
    assert (quick.session_id, quick.id, quick.max_images) == (session_id, user.id, 7)


def test_no_row_is_none(db):
    assert db.read_one(ACTIVE_SESSION_USER, lookup("never issued")) is None


def test_each_read_sees_the_commits_before_it(db):
    """The connection a thread keeps holds no snapshot between reads: a
    revocation committed elsewhere is seen by the very next read."""
    user = add_user(db)
    session_id = open_session(db, user.id, "token-b")
    assert db.read_one(ACTIVE_SESSION_USER, lookup("token-b")) is not None
    with db.write() as uow:
        uow.sessions.revoke(session_id, NOW)
        uow.commit()
    assert db.read_one(ACTIVE_SESSION_USER, lookup("token-b")) is None
    open_session(db, user.id, "token-c")
    assert db.read_one(ACTIVE_SESSION_USER, lookup("token-c")) is not None


def test_threads_read_at_the_same_time(db):
    user = add_user(db)
    open_session(db, user.id, "token-d")
    found: list[str] = []

    def read_many() -> None:
        for _ in range(50):
            found.append(db.read_one(ACTIVE_SESSION_USER, lookup("token-d")).id)

    threads = [threading.Thread(target=read_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert found == [user.id] * 200


def test_a_failing_read_is_a_database_error(db):
    """Wrapped as SQLAlchemy wraps it, so the error handlers treat both
    paths alike (and no bound value appears in the message)."""
    missing = Table("no_such_table", MetaData(), Column("name", String))
    statement = select(missing.c.name).where(missing.c.name == bindparam("name"))
    with pytest.raises(DBAPIError) as raised:
        db.read_one(statement, {"name": "a secret value"})
    assert "a secret value" not in str(raised.value)


def test_a_database_path_with_uri_characters(tmp_path):
    """A folder named with characters a URI gives a meaning to (a space, #
    and %) still opens the right file."""
    folder = tmp_path / "my photos #1 100%"
    folder.mkdir()
    engine = make_engine(f"sqlite:///{folder / 'imageapi.db'}")
    Base.metadata.create_all(engine)
    assert engine.url.database == str(folder / "imageapi.db")
    db = Database(*make_session_factories(engine))
    user = add_user(db)
    open_session(db, user.id, "token-e")
    assert db.read_one(ACTIVE_SESSION_USER, lookup("token-e")).id == user.id
