"""Shared fixtures: a real database (SQLite, or PostgreSQL when asked), app, client.

Set ``IMAGEAPI_TEST_DATABASE_URL`` to a PostgreSQL server URL
(``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run every test on
PostgreSQL; the run creates its own database there and drops it at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import falcon.testing
import pytest
from sqlalchemy import create_engine
from sqlalchemy import text
from sqlalchemy.engine import make_url

from imageapi.app import create_app
from imageapi.app import make_usage_recorder
from imageapi.config import Config
from imageapi.db.base import Base
from imageapi.db.base import utcnow
from imageapi.db.engine import make_engine
from imageapi.db.engine import make_session_factories
from imageapi.db.migrate import upgrade
from imageapi.db.uow import Database
from imageapi.services.usage import UsageService
from imageapi.services.usage_recorder import UsageRecorder
from tests.helpers import ApiClient
from tests.openapi_checker import CheckedClient

POSTGRES_URL_VARIABLE = "IMAGEAPI_TEST_DATABASE_URL"
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A migrated database for this test session (per xdist worker)."""
    server_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not server_url:
        path = tmp_path_factory.mktemp("db") / "imageapi.db"
        url = f"sqlite:///{path}"
        _migrate(url)
        yield url
        return
    name = f"imageapi_test_{secrets.token_hex(6)}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@pytest.fixture
def clean_database(database_url: str) -> Iterator[str]:
    """Empty every table before the test, so tests never see each other's rows."""
    engine = make_engine(database_url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()
    yield database_url


@pytest.fixture
def config(tmp_path: Path, clean_database: str) -> Config:
    return Config(
        data_dir=tmp_path / "data",
        database_url=clean_database,
        secret_key=secrets.token_urlsafe(48),
        auth={"token_ttl_seconds": 3600, **FAST_ARGON2},
    )


@pytest.fixture
def db(config: Config) -> Database:
    """Direct access to the test database, for arranging rows and checking them."""
    engine = make_engine(config.resolved_database_url)
    yield Database(*make_session_factories(engine))
    engine.dispose()


@pytest.fixture
def usage_recorder(config: Config, db: Database) -> Iterator[UsageRecorder]:
    """The app's usage buffer; call ``flush()`` to make counts visible.

    Its own periodic flush is an hour away, so a slow test never sees counts
    written behind its back.
    """
    unflushed = config.with_overrides(usage={"flush_interval_seconds": 3600})
    recorder = make_usage_recorder(unflushed, UsageService(db, utcnow))
    yield recorder
    recorder.close()


@pytest.fixture
def make_app(usage_recorder: UsageRecorder) -> Callable[..., falcon.App]:
    """``create_app`` for tests that need their own config, clock or storage.

    The apps share the test's usage buffer, which the fixture closes: no
    background flush thread outlives the test (or its database).
    """

    def make(config: Config, **overrides) -> falcon.App:
        return create_app(config, usage_recorder=usage_recorder, **overrides)

    return make


@pytest.fixture
def app(config: Config, make_app: Callable[..., falcon.App]) -> falcon.App:
    return make_app(config)


@pytest.fixture
def client(app: falcon.App) -> falcon.testing.TestClient:
    """Every response it gets is checked against the app's OpenAPI document."""
    return CheckedClient(app)


@pytest.fixture
def api(client: falcon.testing.TestClient) -> ApiClient:
    """A registered, logged-in user ("alice") talking to the in-process app."""
    return ApiClient.signed_up(client, "alice@example.com")


@pytest.fixture
def other_api(client: falcon.testing.TestClient) -> ApiClient:
    """A second user ("bob") who must never see alice's things."""
    return ApiClient.signed_up(client, "bob@example.com")
