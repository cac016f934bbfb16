"""Repositories: the only place that writes queries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import Session
from imageapi.db.models import User


class UserRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, user: User) -> None:
        self._session.add(user)

    def get(self, user_id: str) -> User | None:
        return self._session.get(User, user_id)

    def get_by_email(self, email: str) -> User | None:
        query = select(User).where(User.email_key == email.strip().lower())
        return self._session.scalars(query).one_or_none()

    def get_for_update(self, user_id: str) -> User | None:
        """The user row, locked until commit on PostgreSQL (SQLite locks on BEGIN)."""
        query = select(User).where(User.id == user_id).with_for_update()
        return self._session.scalars(query).one_or_none()

    def list_all_emails(self) -> list[tuple[str, str]]:
        query = select(User.id, User.email).order_by(User.created_at, User.id)
        return [(row.id, row.email) for row in self._session.execute(query)]

    def list(self, limit: int, offset: int) -> list[User]:
        query = select(User).order_by(User.created_at, User.id)
        return list(self._session.scalars(query.limit(limit).offset(offset)))


class SessionRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, login: Session) -> None:
        self._session.add(login)

    def get_active(self, token_hash: str, now: datetime) -> Session | None:
        query = select(Session).where(
            Session.token_hash == token_hash,
            Session.revoked_at.is_(None),
            Session.expires_at > now,
        )
        return self._session.scalars(query).one_or_none()

    def revoke(self, session_id: int, now: datetime) -> None:
        self._session.execute(
            update(Session)
            .where(Session.id == session_id, Session.revoked_at.is_(None))
            .values(revoked_at=now)
        )
