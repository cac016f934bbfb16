"""A real 2-worker server: metrics summed over its workers, JSON access logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import _wait_until_healthy
from tests.e2e.conftest import free_port
from tests.helpers import PASSWORD

pytestmark = pytest.mark.e2e

PROBE_BATCH = 16
MAX_BATCHES = 20


@pytest.fixture
def logged_server(tmp_path: Path, clean_database: str) -> Iterator[tuple[str, Path]]:
    """A server whose stdout (its log) goes to a file: (base URL, log file)."""
    port = free_port()
    log_path = tmp_path / "server.log"
    env = {
        **os.environ,
        "IMAGEAPI_PORT": str(port),
        "IMAGEAPI_WORKERS": "2",
        "IMAGEAPI_DATA_DIR": str(tmp_path / "data"),
        "IMAGEAPI_DATABASE_URL": clean_database,
        "IMAGEAPI_AUTH_ARGON2_TIME_COST": "1",
        "IMAGEAPI_AUTH_ARGON2_MEMORY_KIB": "64",
        "IMAGEAPI_AUTH_ARGON2_PARALLELISM": "1",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "imageapi", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.PIPE,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process)
        yield base_url, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()


def readiness_count(base_url: str) -> float:
    text = requests.get(f"{base_url}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "imageapi_http_requests_total" and sample.labels == {
                "method": "GET",
                "route": "/readyz",
                "status": "200",
            }:
                return sample.value
    return 0.0


def probe(base_url: str) -> int:
    return requests.get(f"{base_url}/readyz", timeout=10).status_code


def access_lines(log_path: Path) -> list[dict]:
    entries = [json.loads(line) for line in log_path.read_text().splitlines() if line]
    return [entry for entry in entries if entry["logger"] == "imageapi.access"]


def test_metrics_add_up_every_worker_and_logs_are_json(logged_server):
    base_url, log_path = logged_server
    probes_sent = 0
    # Parallel connections, until both workers have answered some.
    for _ in range(MAX_BATCHES):
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(probe, [base_url] * PROBE_BATCH))
        assert answers == [200] * PROBE_BATCH
        probes_sent += PROBE_BATCH
        if len({line["pid"] for line in access_lines(log_path)}) == 2:
            break
    account = {"email": "ops@example.com", "password": PASSWORD}
    user = requests.post(f"{base_url}/api/v1/users", json=account, timeout=10).json()
    token = requests.post(f"{base_url}/api/v1/sessions", json=account, timeout=10)
    me = requests.get(
        f"{base_url}/api/v1/users/me",
        headers={"Authorization": f"Bearer {token.json()['token']}"},
        timeout=10,
    )
    assert me.status_code == 200

    # Every scrape, whichever worker answers it, sees all the probes.
    for _ in range(4):
        assert readiness_count(base_url) == probes_sent

    lines = access_lines(log_path)
    probes = [line for line in lines if line["route"] == "/readyz"]
    assert len(probes) == probes_sent
    assert len({line["pid"] for line in probes}) == 2, "both workers answered"
    [mine] = [line for line in lines if line["route"] == "/api/v1/users/me"]
    assert mine["user_id"] == user["id"]
    assert mine["status"] == 200
    assert mine["bytes_sent"] == len(me.content)
    assert mine["request_id"] == me.headers["X-Request-ID"]
    assert mine["method"] == "GET" and mine["duration_ms"] >= 0
    assert mine["level"] == "info" and mine["time"]
    # Neither the password nor the session token reach the log.
    log_text = log_path.read_text()
    assert PASSWORD not in log_text
    assert token.json()["token"] not in log_text
