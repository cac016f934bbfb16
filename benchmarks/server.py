"""Start and stop a real imageapi server for benchmarks (127.0.0.1 only)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_server(data_dir: Path, database_url: str, workers: int = 1, **settings):
    """Yield (base_url, process) for ``python -m imageapi`` with these settings."""
    port = free_port()
    env = {
        **os.environ,
        "IMAGEAPI_PORT": str(port),
        "IMAGEAPI_WORKERS": str(workers),
        "IMAGEAPI_DATA_DIR": str(data_dir),
        "IMAGEAPI_DATABASE_URL": database_url,
        "IMAGEAPI_LOG_LEVEL": "warning",
        **{f"IMAGEAPI_{key.upper()}": str(value) for key, value in settings.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "imageapi"], env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.1)
        else:
            raise RuntimeError("server did not start")
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    # Spawning workers also starts multiprocessing's resource tracker.
    return [
        int(pid)
        for pid in children.split()
        if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))
    return ordered[index]


def sign_up(base: str, email: str, password: str = "benchmark password") -> str:
    requests.post(f"{base}/api/v1/users", json={"email": email, "password": password})
    login = requests.post(
        f"{base}/api/v1/sessions", json={"email": email, "password": password}
    )
    login.raise_for_status()
    return login.json()["token"]
