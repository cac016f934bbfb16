"""Services on the real unit of work: the test database (SQLite in a temporary
file, or PostgreSQL when asked; see tests/conftest.py), MemoryStorage for bytes
and a clock the test moves. Nothing of our own is mocked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from imageapi.auth.passwords import Passwords
from imageapi.config import Config
from imageapi.config import QuotaConfig
from imageapi.db.uow import Database
from imageapi.services.accounts import AccountService
from imageapi.services.cursors import Cursors
from imageapi.services.derived_work import DerivedWork
from imageapi.services.image_facts import ImageFacts
from imageapi.services.images import ImageService
from imageapi.services.jobs import DERIVE
from imageapi.services.jobs import JobService
from imageapi.services.quotas import QuotaService
from imageapi.storage.memory import MemoryStorage
from tests.clocks import Clock

FAST_PASSWORDS = Passwords(
    time_cost=1, memory_kib=64, parallelism=1, parallel=4, queued=16
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


class ListedMemoryStorage(MemoryStorage):
    """MemoryStorage that tells what it holds, for "nothing was stored" checks."""

    def stored_keys(self) -> set[str]:
        return set(self._objects)


@pytest.fixture
def storage() -> ListedMemoryStorage:
    return ListedMemoryStorage()


@pytest.fixture
def accounts(db: Database, clock: Clock) -> AccountService:
    return AccountService(db, FAST_PASSWORDS, timedelta(hours=1), clock)


def job_service(
    db: Database, config: Config, storage: MemoryStorage, clock: Clock
) -> JobService:
    """Upload jobs as a server runs them (``DerivedWork``); without an
    attached runner, an upload runs its job before returning."""
    derived = DerivedWork(
        db,
        storage,
        config.data_dir / "uploads",
        config.processing.working_copy_max_side,
        ImageFacts(db),
    )
    return JobService(db, clock, config.jobs, {DERIVE: derived})


def image_service(
    db: Database,
    config: Config,
    storage: MemoryStorage,
    clock: Clock,
    quotas: QuotaConfig | None = None,
    jobs: JobService | None = None,
) -> ImageService:
    return ImageService(
        db,
        storage,
        Cursors(config.secret_key),
        config.limits,
        upload_dir=config.data_dir / "uploads",
        clock=clock,
        quotas=QuotaService(db, quotas or QuotaConfig(), clock),
        jobs=jobs or job_service(db, config, storage, clock),
    )


@pytest.fixture
def images(db, config, storage, clock) -> ImageService:
    return image_service(db, config, storage, clock)
