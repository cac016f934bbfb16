"""Queries on login sessions (their tokens are stored as hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import Session
from imageapi.db.models import User


class SessionRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, login: Session) -> None:
        self._session.add(login)

    def revoke(self, session_id: int, now: datetime) -> None:
        self._session.execute(
            update(Session)
            .where(Session.id == session_id, Session.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    def revoke_all(self, user_id: str, now: datetime) -> None:
        """End every open session of the user (a password reset)."""
        self._session.execute(
            update(Session)
            .where(Session.user_id == user_id, Session.revoked_at.is_(None))
            .values(revoked_at=now)
        )


# Built once and read as a plain row, not ORM objects, through the database's
# quick reads (db/quick_reads.py): this runs on every authenticated request.
ACTIVE_SESSION_USER = (
    select(Session.__table__.c.id.label("session_id"), *User.__table__.columns)
    .join_from(Session.__table__, User.__table__)
    .where(
        Session.__table__.c.token_hash == bindparam("token_hash"),
        Session.__table__.c.revoked_at.is_(None),
        Session.__table__.c.expires_at > bindparam("now"),
    )
)
