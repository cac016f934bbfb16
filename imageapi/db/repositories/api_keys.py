"""Queries on API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import ApiKey


class ApiKeyRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, api_key: ApiKey) -> None:
        self._session.add(api_key)

    def get_active(self, key_hash: str) -> ApiKey | None:
        query = select(ApiKey).where(
            ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)
        )
        return self._session.scalars(query).one_or_none()

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
