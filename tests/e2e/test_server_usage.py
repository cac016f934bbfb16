"""Usage and rate limits against the real server with two workers."""

from __future__ import annotations

import secrets
import socket
import time
from collections import Counter

import pytest
import requests
from sqlalchemy import select

from imageapi.db.models import UsageCounter
from imageapi.services.rate_limits import RequestRateLimit
from tests.helpers import PASSWORD
from tests.integration.test_rate_limits import REDIS_URL
from tests.unit.processing.imaging import photo

pytestmark = pytest.mark.e2e

ME = "/api/v1/users/me"


@pytest.fixture
def server_env() -> dict[str, str]:
    # Only the flush at worker shutdown can write these counters.
    return {
        "IMAGEAPI_USAGE_FLUSH_INTERVAL_SECONDS": "3600",
        "IMAGEAPI_LIMITS_REQUESTS_PER_MINUTE": "1000",
    }


def sign_up(base: str, email: str) -> dict[str, str]:
    account = {"email": email, "password": PASSWORD}
    requests.post(f"{base}/api/v1/users", json=account, timeout=10)
    token = requests.post(f"{base}/api/v1/sessions", json=account, timeout=10)
    return {"Authorization": f"Bearer {token.json()['token']}"}


def test_counts_are_exact_across_two_workers_after_shutdown(server, db):
    base = server.base_url
    auth = sign_up(base, "ops@example.com")
    bytes_out = 0
    routes = Counter()
    # A new connection per request, so both workers get their share.
    for _ in range(20):
        bytes_out += len(requests.get(base + ME, headers=auth, timeout=10).content)
        routes["GET /api/v1/users/me", "2xx"] += 1
    body = b'{"name": "e2e"}'
    created = requests.post(
        f"{base}/api/v1/users/me/api-keys",
        data=body,
        headers={**auth, "Content-Type": "application/json"},
        timeout=10,
    )
    bytes_out += len(created.content)
    routes["POST /api/v1/users/me/api-keys", "2xx"] += 1
    for _ in range(6):
        missing = requests.delete(
            f"{base}/api/v1/users/me/api-keys/nope", headers=auth, timeout=10
        )
        bytes_out += len(missing.content)
        routes["DELETE /api/v1/users/me/api-keys/{key_id}", "4xx"] += 1
    key = {"X-API-Key": created.json()["key"]}
    for _ in range(10):
        bytes_out += len(requests.get(base + ME, headers=key, timeout=10).content)
        routes["GET /api/v1/users/me", "2xx"] += 1
    for _ in range(8):
        assert requests.get(base + ME, timeout=10).status_code == 401

    server.stop()

    with db.read() as uow:
        rows = list(uow.session.scalars(select(UsageCounter)))
    counted = Counter()
    for row in rows:
        counted[row.route, row.status_class] += row.requests
    assert counted == routes
    assert sum(row.bytes_out for row in rows) == bytes_out
    assert sum(row.bytes_in for row in rows) == len(body)
    with_key = sum(row.requests for row in rows if row.api_key_id)
    assert with_key == 10


def test_requests_whose_client_left_end_and_count_before_the_worker_exits(server, db):
    base = server.base_url
    auth = sign_up(base, "leaver@example.com")
    files = [("image", ("p.jpg", photo(2400, 1600).jpegsave_buffer(), "image/jpeg"))]
    image = requests.post(f"{base}/api/v1/images", files=files, headers=auth)
    assert image.status_code == 201
    content = f"/api/v1/images/{image.json()['id']}/content?width=2000&format=webp"
    # Distinct renders of ~0.1 s each, more than the workers' render slots:
    # some are rendering and some waiting when their clients hang up.
    clients = []
    for quality in range(60, 68):
        client = socket.create_connection((server.host, server.port), timeout=10)
        client.sendall(
            f"GET {content}&quality={quality} HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {auth['Authorization']}\r\n\r\n".encode()
        )
        clients.append(client)
    time.sleep(0.3)  # the workers have every request by now
    for client in clients:
        client.close()

    server.stop()  # at once, while the renders run on

    assert server.process.returncode == 0
    assert b"panicked" not in server.process.stderr.read()
    with db.read() as uow:
        rows = list(uow.session.scalars(select(UsageCounter)))
    rendered = [row for row in rows if row.route.endswith("/content")]
    assert sum(row.requests for row in rendered) == len(clients)


class TestPeriodicFlush:
    @pytest.fixture
    def server_env(self) -> dict[str, str]:
        return {"IMAGEAPI_USAGE_FLUSH_INTERVAL_SECONDS": "0.2"}

    def test_usage_report_catches_up_while_the_server_runs(self, server):
        base = server.base_url
        auth = sign_up(base, "live@example.com")
        for _ in range(12):
            requests.get(base + ME, headers=auth, timeout=10)
        deadline = time.monotonic() + 30
        while True:
            report = requests.get(f"{base}{ME}/usage", headers=auth, timeout=10)
            routes = {r["route"]: r for r in report.json()["by_route"]}
            if routes.get("GET /api/v1/users/me", {}).get("requests") == 12:
                break
            assert time.monotonic() < deadline, report.json()
            time.sleep(0.1)


def wait_for_room_in_this_minute(needed: float = 20.0) -> None:
    """Requests are counted in windows of the clock's minutes, and a live
    server keeps the real clock: when less than ``needed`` seconds of the
    window are left, sleep into the next one."""
    window = RequestRateLimit.WINDOW_SECONDS
    left = window - time.time() % window
    if left < needed:
        time.sleep(left + 0.1)


class TestSharedRateLimit:
    @pytest.fixture(params=["database", "redis"])
    def server_env(self, request) -> dict[str, str]:
        env = {
            "IMAGEAPI_LIMITS_REQUESTS_PER_MINUTE": "5",
            "IMAGEAPI_LIMITS_KEY_PREFIX": f"e2e-{secrets.token_hex(6)}",
        }
        if request.param == "redis":
            env["IMAGEAPI_REDIS_URL"] = REDIS_URL
        return env

    def test_both_workers_share_one_counter(self, server):
        base = server.base_url
        auth = sign_up(base, "busy@example.com")
        wait_for_room_in_this_minute()
        statuses = Counter(
            requests.get(base + ME, headers=auth, timeout=10).status_code
            for _ in range(9)
        )
        assert statuses == {200: 5, 429: 4}
