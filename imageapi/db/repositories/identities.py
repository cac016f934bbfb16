"""Queries on accounts at OpenID Connect providers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import Identity


class IdentityRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, identity: Identity) -> None:
        self._session.add(identity)

    def get(self, issuer: str, subject: str) -> Identity | None:
        query = select(Identity).where(
            Identity.issuer == issuer, Identity.subject == subject
        )
        return self._session.scalars(query).one_or_none()
