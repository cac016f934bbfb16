"""Queries on login sessions (their tokens are stored as hashes)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row
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

    # Built once, and read as plain rows rather than ORM objects: this runs on
    # every authenticated request, and building a statement or loading
    # objects costs more Python time than executing it on SQLite.
    _ACTIVE = (
        select(Session.id.label("session_id"), *User.__table__.columns)
        .join(User, Session.user_id == User.id)
        .where(
            Session.token_hash == bindparam("token_hash"),
            Session.revoked_at.is_(None),
            Session.expires_at > bindparam("now"),
        )
    )

    def get_active(self, token_hash: str, now: datetime) -> Row | None:
        """``session_id`` and the user's columns, for a live session's token."""
        parameters = {"token_hash": token_hash, "now": now}
        return self._session.execute(self._ACTIVE, parameters).one_or_none()

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
