"""Rate limits on the database storage and on Redis: 429s, headers, lockouts."""

from __future__ import annotations

import secrets

import falcon.testing
import pytest
from limits.storage import RedisStorage

from imageapi.app import create_app
from imageapi.db.engine import make_engine
from imageapi.db.rate_limit_storage import DatabaseRateLimitStorage
from imageapi.errors import TooManyRequests
from imageapi.services.rate_limits import RequestRateLimit
from tests.clocks import Clock
from tests.helpers import PASSWORD
from tests.helpers import ApiClient
from tests.helpers import assert_error
from tests.openapi_checker import CheckedClient

REDIS_URL = "redis://127.0.0.1:6379/0"
ME = "/api/v1/users/me"


@pytest.fixture(params=["database", "redis"])
def limited_config(request, config):
    """The test config with small limits, counting in the database or in Redis."""
    prefix = f"test-{secrets.token_hex(6)}"
    limits = {
        "requests_per_minute": 3,
        "login_failures": 3,
        "login_failures_per_address": 6,
        "login_failures_per_account": 6,
        "login_failure_window_seconds": 900,
        "key_prefix": prefix,
    }
    if request.param == "database":
        yield config.with_overrides(limits=limits)
        return
    yield config.with_overrides(limits=limits, redis_url=REDIS_URL)
    RedisStorage(REDIS_URL, key_prefix=prefix).reset()


@pytest.fixture
def limited(limited_config, usage_recorder) -> falcon.testing.TestClient:
    # A clock that stands still: no window ends in the middle of a test.
    app = create_app(limited_config, usage_recorder=usage_recorder, clock=Clock())
    return CheckedClient(app)


def log_in(client, email, password=PASSWORD, remote_addr="10.0.0.1", path=None):
    return client.simulate_post(
        path or "/api/v1/sessions",
        json={"email": email, "password": password},
        remote_addr=remote_addr,
    )


def test_requests_past_the_limit_get_429_with_retry_after(limited):
    api = ApiClient.signed_up(limited, "rita@example.com")
    remaining = []
    for _ in range(3):
        result = api.get(ME)
        assert result.status_code == 200
        assert result.headers["ratelimit-limit"] == "3"
        assert 0 < int(result.headers["ratelimit-reset"]) <= 60
        remaining.append(result.headers["ratelimit-remaining"])
    assert remaining == ["2", "1", "0"]
    refused = api.get(ME)
    body = assert_error(refused, 429)
    assert "3 requests" in body["description"]
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-limit"] == "3"


def test_the_window_follows_the_apps_clock(limited_config, usage_recorder):
    clock = Clock()
    app = create_app(limited_config, usage_recorder=usage_recorder, clock=clock)
    api = ApiClient.signed_up(CheckedClient(app), "val@example.com")
    assert [api.get(ME).status_code for _ in range(3)] == [200] * 3
    assert_error(api.get(ME), 429)
    clock.advance(minutes=1)
    assert api.get(ME).status_code == 200


def test_limits_are_per_user_and_count_api_keys_too(limited):
    api = ApiClient.signed_up(limited, "sam@example.com")
    other = ApiClient.signed_up(limited, "tom@example.com")
    key = api.post("/api/v1/users/me/api-keys", json={"name": "k"}).json["key"]
    api.get(ME)
    limited.simulate_get(ME, headers={"X-API-Key": key})
    assert_error(limited.simulate_get(ME, headers={"X-API-Key": key}), 429)
    assert_error(api.get(ME), 429)
    assert other.get(ME).status_code == 200


def test_error_responses_carry_the_headers_too(limited):
    api = ApiClient.signed_up(limited, "uma@example.com")
    missing = api.delete("/api/v1/users/me/api-keys/nope")
    assert_error(missing, 404)
    assert missing.headers["ratelimit-remaining"] == "2"


def test_anonymous_requests_are_not_limited_per_user(limited):
    for _ in range(5):
        assert_error(limited.simulate_get(ME), 401)
    assert limited.simulate_get("/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/sessions", "/api/user/login"])
def test_failed_logins_lock_out_the_ip_and_email(limited, path):
    email = "vic@example.com"
    ApiClient.signed_up(limited, email)
    for _ in range(3):
        assert_error(log_in(limited, email, "wrong password", path=path), 401)
    locked = log_in(limited, email, path=path)
    body = assert_error(locked, 429)
    assert "failed logins" in body["description"]
    assert 800 < int(locked.headers["retry-after"]) <= 900
    # Another address, or another account from the same address, is unaffected.
    assert log_in(limited, email, remote_addr="10.0.0.2", path=path).status_code == 200
    assert_error(log_in(limited, "nobody@example.com", "x" * 9, path=path), 401)


def test_a_successful_login_clears_earlier_failures(limited):
    email = "wes@example.com"
    ApiClient.signed_up(limited, email)
    for _ in range(2):
        log_in(limited, email, "wrong password")
    assert log_in(limited, email).status_code == 200
    for _ in range(2):
        assert_error(log_in(limited, email, "wrong password"), 401)
    assert log_in(limited, email).status_code == 200


def test_unknown_emails_are_locked_out_like_real_ones(limited):
    for _ in range(3):
        assert_error(log_in(limited, "ghost@example.com", "guess-1234"), 401)
    assert_error(log_in(limited, "ghost@example.com", "guess-1234"), 429)


def test_a_flood_of_random_emails_locks_out_the_address(limited):
    ApiClient.signed_up(limited, "zoe@example.com")
    for number in range(6):
        flood = log_in(limited, f"random{number}@example.com", "guess-1234", "10.0.0.9")
        assert_error(flood, 401)
    locked = log_in(limited, "zoe@example.com", remote_addr="10.0.0.9")
    body = assert_error(locked, 429)
    assert "from your address" in body["description"]
    assert int(locked.headers["retry-after"]) > 0
    # A successful login elsewhere does not reset the flooding address.
    assert (
        log_in(limited, "zoe@example.com", remote_addr="10.0.0.10").status_code == 200
    )
    assert_error(log_in(limited, "zoe@example.com", remote_addr="10.0.0.9"), 429)


def test_guesses_spread_over_addresses_lock_out_the_account(limited):
    email = "amy@example.com"
    ApiClient.signed_up(limited, email)
    for number in range(6):
        guess = log_in(limited, email, "guess-1234", remote_addr=f"10.0.1.{number}")
        assert_error(guess, 401)
    body = assert_error(log_in(limited, email, remote_addr="10.0.2.1"), 429)
    assert "for this account" in body["description"]
    # Other accounts, from any of those addresses, are unaffected.
    ApiClient.signed_up(limited, "bob@example.com")
    assert log_in(limited, "bob@example.com", remote_addr="10.0.1.0").status_code == 200


def test_limits_off_means_no_headers_and_no_lockout(config, usage_recorder):
    off = config.with_overrides(limits={"requests_per_minute": 0, "login_failures": 0})
    client = CheckedClient(create_app(off, usage_recorder=usage_recorder))
    api = ApiClient.signed_up(client, "xia@example.com")
    assert "ratelimit-limit" not in api.get(ME).headers
    for _ in range(12):
        log_in(client, api.email, "wrong password")
    assert log_in(client, api.email).status_code == 200


def test_an_unreachable_redis_lets_requests_through(config, usage_recorder, caplog):
    broken = config.with_overrides(redis_url="redis://127.0.0.1:1/0")
    client = CheckedClient(create_app(broken, usage_recorder=usage_recorder))
    api = ApiClient.signed_up(client, "yan@example.com")
    result = api.get(ME)
    assert result.status_code == 200
    assert "ratelimit-limit" not in result.headers
    assert any("rate limit storage" in r.getMessage() for r in caplog.records)


class TestDatabaseStorage:
    """The limits backend itself, with a clock we move by hand."""

    @pytest.fixture
    def storage(self, clean_database):
        now = [1_000_000.0]
        engine = make_engine(clean_database)
        storage = DatabaseRateLimitStorage(engine, "unit", clock=lambda: now[0])
        yield storage, now
        engine.dispose()

    def test_incr_counts_within_the_window_and_restarts_after_it(self, storage):
        storage, now = storage
        assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
        assert storage.get("k") == 3
        assert storage.get_expiry("k") == now[0] + 60
        now[0] += 59.9
        assert storage.incr("k", 60, amount=2) == 5
        now[0] += 0.1
        assert storage.get("k") == 0
        assert storage.incr("k", 60) == 1
        assert storage.get_expiry("k") == now[0] + 60

    def test_keys_are_independent_and_clear_resets_one(self, storage):
        storage, _ = storage
        storage.incr("a", 60)
        storage.incr("b", 60)
        storage.clear("a")
        assert (storage.get("a"), storage.get("b")) == (0, 1)
        assert storage.reset() == 1
        assert storage.get("b") == 0
        assert storage.check()


class TestBatchedRequestCounting:
    """Workers add their users' requests to the shared count in batches."""

    @pytest.fixture
    def storage(self, clean_database):
        engine = make_engine(clean_database)
        yield DatabaseRateLimitStorage(engine, "batched")
        engine.dispose()

    @staticmethod
    def worker(storage, limit: int) -> RequestRateLimit:
        # Mid-minute, so that no window ends during the test.
        return RequestRateLimit(storage, limit, clock=lambda: 60.0 * 1_000_000 + 30)

    def test_a_worker_sends_its_count_in_batches_and_knows_it_exactly(self, storage):
        worker = self.worker(storage, 1000)
        assert worker.batch == 10
        states = [worker.hit("u") for _ in range(100)]
        assert [state.remaining for state in states] == list(range(999, 899, -1))
        # The first request of the window, then one increment per 10 requests.
        assert storage.get("requests/u/1000000") == 1 + 9 * 10

    def test_workers_together_overshoot_by_less_than_a_batch_each(self, storage):
        workers = [self.worker(storage, 1000) for _ in range(3)]
        let_through = 0
        for request in range(1200):
            try:
                workers[request % 3].hit("u")
            except TooManyRequests:
                continue
            let_through += 1
        assert 1000 <= let_through <= 1000 + 3 * (10 - 1)

    def test_small_limits_are_counted_exactly_across_workers(self, storage):
        workers = [self.worker(storage, 150) for _ in range(2)]
        assert workers[0].batch == 1
        for request in range(150):
            workers[request % 2].hit("u")
        for worker in workers:
            with pytest.raises(TooManyRequests):
                worker.hit("u")
