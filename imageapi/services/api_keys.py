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
from imageapi.domain import Principal
from imageapi.errors import Forbidden
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

    def create(self, principal: Principal, name: str) -> IssuedApiKey:
        """A new key for the principal's user, made only through a login.

        A key cannot mint keys: otherwise a leaked key could make itself
        successors that outlive its revocation. Sessions need the password,
        so nothing at all can be derived from a key, and revoking it is
        complete.
        """
        if principal.api_key_id is not None:
            raise Forbidden(
                "An API key cannot create API keys; log in with your password."
            )
        key = new_token(API_KEY_PREFIX)
        row = models.ApiKey(
            id=new_id(),
            user_id=principal.user.id,
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
