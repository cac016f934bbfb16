"""Start the real server (``python -m imageapi``) on a free port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

STARTUP_SECONDS = 60


@dataclass
class RunningServer:
    base_url: str
    host: str
    port: int
    data_dir: Path
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        """SIGTERM and wait: the server shuts its workers down gracefully."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server_env() -> dict[str, str]:
    """Extra IMAGEAPI_* variables; override this fixture in a test module."""
    return {}


@pytest.fixture
def server(
    tmp_path: Path, clean_database: str, server_env: dict[str, str]
) -> Iterator[RunningServer]:
    port = free_port()
    data_dir = tmp_path / "server-data"
    env = {
        **os.environ,
        "IMAGEAPI_HOST": "127.0.0.1",
        "IMAGEAPI_PORT": str(port),
        "IMAGEAPI_WORKERS": "2",
        "IMAGEAPI_DATA_DIR": str(data_dir),
        "IMAGEAPI_DATABASE_URL": clean_database,
        "IMAGEAPI_AUTH_ARGON2_TIME_COST": "1",
        "IMAGEAPI_AUTH_ARGON2_MEMORY_KIB": "64",
        "IMAGEAPI_AUTH_ARGON2_PARALLELISM": "1",
        "IMAGEAPI_LOG_LEVEL": "warning",
        **server_env,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "imageapi"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process)
        yield RunningServer(base_url, "127.0.0.1", port, data_dir, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stderr.close()


def _wait_until_healthy(base_url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode()}")
        try:
            if requests.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError("server did not become healthy in time")
