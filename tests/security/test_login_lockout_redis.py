"""The login lockout holds under parallel attempts, with counters in Redis."""

from __future__ import annotations

import os
import secrets

import pytest
import redis

from tests.security.lockout import assert_lockout_holds

REDIS_URL = os.environ.get("IMAGEAPI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SERVER_ENV = {
    "IMAGEAPI_REDIS_URL": REDIS_URL,
    # Counters of this run only, whoever else uses the Redis server.
    "IMAGEAPI_LIMITS_KEY_PREFIX": f"imageapi-test-{secrets.token_hex(6)}",
}


@pytest.fixture(scope="module", autouse=True)
def _redis_reachable():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")


def test_parallel_wrong_passwords_are_counted_atomically_in_redis(live):
    assert_lockout_holds(live, "lockout-redis@example.com")
