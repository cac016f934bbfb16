"""Unit of work: one transaction, its repositories, commit or roll back."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from imageapi.db.quick_reads import QuickReads
from imageapi.db.repositories.api_keys import ApiKeyRepository
from imageapi.db.repositories.derivatives import DerivativeRepository
from imageapi.db.repositories.duplicates import DuplicateRepository
from imageapi.db.repositories.identities import IdentityRepository
from imageapi.db.repositories.images import ImageRepository
from imageapi.db.repositories.invites import InviteRepository
from imageapi.db.repositories.jobs import JobRepository
from imageapi.db.repositories.sessions import SessionRepository
from imageapi.db.repositories.tags import TagRepository
from imageapi.db.repositories.usage import UsageRepository
from imageapi.db.repositories.users import UserRepository
from imageapi.db.write_gate import WriteGate
from imageapi.db.write_gate import write_gate


class UnitOfWork:
    """Opens a transaction on enter; rolls back on exit unless committed."""

    session: Session
    users: UserRepository
    sessions: SessionRepository
    api_keys: ApiKeyRepository
    usage: UsageRepository
    images: ImageRepository
    tags: TagRepository
    derivatives: DerivativeRepository
    duplicates: DuplicateRepository
    identities: IdentityRepository
    invites: InviteRepository
    jobs: JobRepository

    def __init__(
        self, session_factory: sessionmaker, gate: WriteGate | None = None
    ) -> None:
        self._session_factory = session_factory
        self._gate = gate

    def __enter__(self) -> UnitOfWork:
        if self._gate is not None:
            self._gate.__enter__()
        self.session = self._session_factory()
        self.users = UserRepository(self.session)
        self.sessions = SessionRepository(self.session)
        self.api_keys = ApiKeyRepository(self.session)
        self.usage = UsageRepository(self.session)
        self.images = ImageRepository(self.session)
        self.tags = TagRepository(self.session)
        self.derivatives = DerivativeRepository(self.session)
        self.duplicates = DuplicateRepository(self.session)
        self.identities = IdentityRepository(self.session)
        self.invites = InviteRepository(self.session)
        self.jobs = JobRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted but, unlike rollback(), leaves
        # loaded objects readable after the unit of work ends.
        try:
            self.session.close()
        finally:
            if self._gate is not None:
                self._gate.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()


class Database:
    """Hands out units of work: writers take the write lock up front on SQLite."""

    def __init__(self, writer: sessionmaker, reader: sessionmaker) -> None:
        self._writer = writer
        self._reader = reader
        engine = reader.kw["bind"]
        self._gate = write_gate(engine)
        self._quick_reads = QuickReads(engine)

    def read_one(self, statement: Select, parameters: Mapping[str, Any]) -> Any:
        """The one row a read statement selects, or None, without a unit of
        work: for the lookups every request makes (db/quick_reads.py)."""
        return self._quick_reads.one_or_none(statement, parameters)

    def write(self) -> UnitOfWork:
        return UnitOfWork(self._writer, self._gate)

    def read(self) -> UnitOfWork:
        return UnitOfWork(self._reader)
