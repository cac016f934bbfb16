"""Queries on API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import ApiKey
from imageapi.db.models import User

_KEYS = ApiKey.__table__.c
# A live key's id, last use and owner, as one plain row through the database's
# quick reads (db/quick_reads.py): this runs on every request with a key.
ACTIVE_KEY_USER = (
    select(
        _KEYS.id.label("api_key_id"),
        _KEYS.last_used_at.label("api_key_last_used_at"),
        *User.__table__.columns,
    )
    .join_from(ApiKey.__table__, User.__table__)
    .where(_KEYS.key_hash == bindparam("key_hash"), _KEYS.revoked_at.is_(None))
)


class ApiKeyRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, api_key: ApiKey) -> None:
        self._session.add(api_key)

    def list_active(self, user_id: str) -> list[ApiKey]:
        query = (
            select(ApiKey)
            .where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at, ApiKey.id)
        )
        return list(self._session.scalars(query))

    def revoke(self, user_id: str, key_id: str, now: datetime) -> bool:
        """Revoke one of the user's active keys; False if there is no such key."""
        result = self._session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                ApiKey.user_id == user_id,
                ApiKey.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return result.rowcount == 1

    def touch(self, key_id: str, now: datetime, stale_before: datetime) -> None:
        """Set last_used_at, unless another request already did since stale_before."""
        self._session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key_id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < stale_before),
            )
            .values(last_used_at=now)
        )
