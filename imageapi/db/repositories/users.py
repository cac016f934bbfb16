"""Queries on user accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import User
from imageapi.db.text import has_nul


class UserRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, user: User) -> None:
        self._session.add(user)

    def get(self, user_id: str) -> User | None:
        return self._session.get(User, user_id)

    def get_by_email(self, email: str) -> User | None:
        key = email.strip().lower()
        if has_nul(key):
            return None  # no stored email holds one (see has_nul)
        query = select(User).where(User.email_key == key)
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

    def delete(self, user: User) -> None:
        """Sessions, keys, tags, usage and image rows go with it (cascades)."""
        self._session.delete(user)
