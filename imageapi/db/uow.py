"""Unit of work: one transaction, its repositories, commit or roll back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from imageapi.db.engine import SQLITE_BEGIN_OPTION
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
        if engine.dialect.name == "sqlite":
            # The driver is in autocommit mode already (db/engine.py): leave
            # out the BEGIN. Setting AUTOCOMMIT would hand connections back
            # in the driver's own transaction mode.
            self._lookups = engine.execution_options(**{SQLITE_BEGIN_OPTION: None})
        else:
            self._lookups = engine.execution_options(isolation_level="AUTOCOMMIT")

    def lookup(self) -> Connection:
        """A connection for one read statement.

        For the lookups every request makes: no unit of work to build, and no
        transaction (on PostgreSQL one round trip instead of BEGIN, the
        query and ROLLBACK); a single statement reads one snapshot anyway.
        """
        return self._lookups.connect()

    def write(self) -> UnitOfWork:
        return UnitOfWork(self._writer, self._gate)

    def read(self) -> UnitOfWork:
        return UnitOfWork(self._reader)
