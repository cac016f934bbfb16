"""A database connection dropped under the app: one 503 to retry, then service."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text

from tests.helpers import assert_error


@pytest.fixture
def postgres_url(config):
    if not config.database_url.startswith("postgresql"):
        pytest.skip("dropping server connections needs PostgreSQL")
    return config.database_url


def terminate_other_connections(url: str) -> int:
    """What a database restart or a pooler's idle timeout does to the app."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            ended = connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return ended


def test_a_dropped_connection_is_a_503_then_the_next_request_works(api, postgres_url):
    assert api.get("/api/v1/users/me").status_code == 200
    assert terminate_other_connections(postgres_url) >= 1

    first = api.get("/api/v1/users/me")  # meets a dead pooled connection
    assert_error(first, 503)
    assert first.headers["retry-after"] == "1"
    for _ in range(3):
        assert api.get("/api/v1/users/me").status_code == 200
