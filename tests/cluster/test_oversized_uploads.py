"""Oversized uploads through nginx get the application's 413, never a 502.

The application refuses an upload from its Content-Length, after reading and
dropping up to 8 MiB of it (limits.refused_body_drain_bytes). nginx sends the
whole buffered body before reading the answer: had the application closed the
connection at once, nginx, still sending, would answer 502. nginx's own limit
(client_max_body_size) sits above the application's and below it plus the
drain, as in deploy/nginx.conf, so every such upload reaches the application.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.cluster.conftest import MAX_UPLOAD_BYTES
from tests.cluster.conftest import MIB
from tests.live_clients import TIMEOUT
from tests.live_clients import assert_json_error
from tests.live_clients import sign_up

pytestmark = pytest.mark.e2e

TRIES = 30
THREADS = 3
NGINX_DESCRIPTION = "The request body is larger than this server accepts."


def oversized_upload(session: requests.Session, base_url: str, size: int):
    """On a connection of its own (one Session is not safe across threads)."""
    files = {"image": ("big.png", secrets.token_bytes(size), "image/png")}
    return requests.post(
        f"{base_url}/api/v1/images",
        files=files,
        headers=session.headers,
        timeout=TIMEOUT,
    )


def test_uploads_over_the_limit_get_the_applications_413(cluster):
    proxy = cluster.nginx.base_url
    session = sign_up(proxy, "too-big@example.com")
    # From just over the application's limit to just under nginx's (4 MiB).
    sizes = [
        MAX_UPLOAD_BYTES + 128 * 1024 + attempt * (2 * MIB + 512 * 1024) // TRIES
        for attempt in range(TRIES)
    ]
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(
            pool.map(lambda size: oversized_upload(session, proxy, size), sizes)
        )
    statuses = [answer.status_code for answer in answers]
    assert statuses == [413] * TRIES, [answer.text[:200] for answer in answers]
    for answer in answers:
        body = assert_json_error(answer, 413)
        assert body["description"] != NGINX_DESCRIPTION, "nginx answered, not the app"
    listed = session.get(f"{proxy}/api/v1/images", timeout=TIMEOUT).json()
    assert listed["items"] == []


def test_uploads_over_nginxs_limit_get_its_json_413(cluster):
    session = sign_up(cluster.nginx.base_url, "far-too-big@example.com")
    answer = oversized_upload(session, cluster.nginx.base_url, 5 * MIB)
    body = assert_json_error(answer, 413)
    assert body["description"] == NGINX_DESCRIPTION
