"""API keys: long-lived credentials that programs send instead of a session.

A key is ``iak_`` followed by 256 random bits; only its SHA-256 is stored, so
the key itself is shown once, when it is created. Authentication with a key is
in ``AccountService.authenticate``, next to session tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from imageapi.auth.tokens import new_id
from imageapi.auth.tokens import new_token
from imageapi.auth.tokens import token_hash
from imageapi.db import models
from imageapi.db.uow import Database
from imageapi.domain import ApiKey
from imageapi.errors import NotFound
from imageapi.services.accounts import API_KEY_PREFIX


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    key: str


class ApiKeyService:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._clock = clock

    def create(self, user_id: str, name: str) -> IssuedApiKey:
        key = new_token(API_KEY_PREFIX)
        row = models.ApiKey(
            id=new_id(),
            user_id=user_id,
            name=name,
            key_hash=token_hash(key),
            created_at=self._clock(),
        )
        with self._db.write() as uow:
            uow.api_keys.add(row)
            uow.commit()
        return IssuedApiKey(api_key=row.to_domain(), key=key)

    def list_for(self, user_id: str) -> list[ApiKey]:
        with self._db.read() as uow:
            return [row.to_domain() for row in uow.api_keys.list_active(user_id)]

    def revoke(self, user_id: str, key_id: str) -> None:
        """Revoke at once; another user's key or a revoked one is a 404."""
        with self._db.write() as uow:
            if not uow.api_keys.revoke(user_id, key_id, self._clock()):
                raise NotFound(f"No API key with id {key_id!r}.")
            uow.commit()
