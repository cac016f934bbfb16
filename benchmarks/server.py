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


def wait_for_workers(master_pid: int, count: int, timeout: float = 60) -> list[int]:
    """The worker pids once ``count`` workers exist."""
    deadline = time.monotonic() + timeout
    while len(pids := worker_pids(master_pid)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pids)} of {count} workers started")
        time.sleep(0.1)
    return pids


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text()
    # Spawning workers also starts multiprocessing's resource tracker.
    return [
        int(pid)
        for pid in children.split()
        if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def rss_kib(pid: int) -> int:
    return _status_kib(pid, "VmRSS:")


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


class WorkerMemory:
    """Peak RSS of a server's workers: at start-up, per load run and while
    serving.

    The kernel keeps each process's peak (VmHWM), so nothing between two
    samples is missed; writing 5 to clear_refs restarts it, after the peak so
    far is folded into the serving figure.
    """

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        _wait_until_settled(pids)
        self.startup_mib = [_status_kib(pid, "VmHWM:") / 1024 for pid in pids]
        self._serving_kib = dict.fromkeys(pids, 0)
        self._restart(pids)

    def start_run(self) -> None:
        for pid in self.pids:
            self._fold(pid)
        self._restart(self.pids)

    def run_peak_mib(self) -> float:
        """The largest worker's peak since ``start_run``."""
        return max(self._fold(pid) for pid in self.pids) / 1024

    def serving_mib(self) -> list[float]:
        """Each worker's peak since start-up, in MiB."""
        for pid in self.pids:
            self._fold(pid)
        return [kib / 1024 for kib in self._serving_kib.values()]

    def _fold(self, pid: int) -> int:
        peak = _status_kib(pid, "VmHWM:")
        self._serving_kib[pid] = max(self._serving_kib[pid], peak)
        return peak

    @staticmethod
    def _restart(pids: list[int]) -> None:
        for pid in pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")


def _wait_until_settled(pids: list[int], timeout: float = 60) -> None:
    """Until no worker's RSS moved by a MiB in half a second: a server answers
    once one worker is up, while another may still be importing the app."""
    deadline = time.monotonic() + timeout
    before = [rss_kib(pid) for pid in pids]
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = [rss_kib(pid) for pid in pids]
        if all(abs(new - old) < 1024 for new, old in zip(now, before, strict=True)):
            return
        before = now
    raise RuntimeError("worker memory did not settle")


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


JOB_GAUGES = ("imageapi_jobs_waiting", "imageapi_jobs_running")


def wait_for_derived_work(base: str, timeout: float = 300) -> float:
    """Wait until the server's upload jobs (the pyramids) are all done, read
    from /metrics; the seconds it took. Images are measured as they are once
    their upload is complete, not while their job still waits."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        lines = requests.get(f"{base}/metrics", timeout=10).text.splitlines()
        pending = sum(
            float(line.split()[-1])
            for line in lines
            if line.split(" ", 1)[0].split("{", 1)[0] in JOB_GAUGES
        )
        if pending == 0:
            return time.monotonic() - started
        time.sleep(0.2)
    raise RuntimeError(f"upload jobs still pending after {timeout} s")
