"""Invite codes, kept as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import Invite


class InviteRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, invite: Invite) -> None:
        self._session.add(invite)

    def use(self, code_hash: str, now: datetime) -> bool:
        """Mark an unused code used; False when there is none. Atomic: of two
        registrations with one code, only one gets True."""
        query = (
            update(Invite)
            .where(Invite.code_hash == code_hash, Invite.used_at.is_(None))
            .values(used_at=now)
        )
        return self._session.execute(query).rowcount == 1

    def release(self, code_hash: str) -> None:
        """Make a code usable again (its registration failed)."""
        query = update(Invite).where(Invite.code_hash == code_hash).values(used_at=None)
        self._session.execute(query)
