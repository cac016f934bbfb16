"""Forty parallel wrong passwords for one account: at most ``login_failures``
(10 by default) may be checked, every other answer is 429."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.helpers import PASSWORD
from tests.security.conftest import LiveServer

ATTEMPTS = 40
THRESHOLD = 10


def parallel_wrong_passwords(live: LiveServer, email: str) -> Counter:
    requests.post(
        live.url("/api/v1/users"), json={"email": email, "password": PASSWORD}
    )
    start = threading.Barrier(ATTEMPTS)

    def attempt(_: int) -> int:
        start.wait()
        return requests.post(
            live.url("/api/v1/sessions"),
            json={"email": email, "password": "wrong password"},
            timeout=60,
        ).status_code

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        return Counter(pool.map(attempt, range(ATTEMPTS)))


def assert_lockout_holds(live: LiveServer, email: str) -> None:
    statuses = parallel_wrong_passwords(live, email)
    assert set(statuses) <= {401, 429}, statuses
    assert statuses[401] <= THRESHOLD, statuses
    assert statuses[429] >= ATTEMPTS - THRESHOLD, statuses
    # Locked out now, even with the right password.
    right = requests.post(
        live.url("/api/v1/sessions"), json={"email": email, "password": PASSWORD}
    )
    assert right.status_code == 429
