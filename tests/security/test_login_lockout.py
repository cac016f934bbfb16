"""The login lockout holds under parallel attempts, with counters in the
database (SQLite, or PostgreSQL with IMAGEAPI_TEST_DATABASE_URL)."""

from __future__ import annotations

from tests.security.lockout import assert_lockout_holds


def test_parallel_wrong_passwords_are_counted_atomically_in_the_database(live):
    assert_lockout_holds(live, "lockout-db@example.com")
