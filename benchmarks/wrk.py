"""Drive a server with wrk: rotating paths, a new connection per request
(or keep-alive, which pins each connection to one worker process)."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.server import rss_kib

# Each wrk thread walks its own slice of the path list, so no two requests of a
# "first request" run ask for the same derivative.
ROTATE_LUA = """
local paths = {}
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  for line in io.lines(args[1]) do table.insert(paths, line) end
  counter = id
  step = tonumber(args[2])
end
function request()
  local path = paths[(counter % #paths) + 1]
  counter = counter + step
  return wrk.format("GET", path)
end
"""


@dataclass
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    peak_rss_mib: float


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    return path


def run_wrk(
    base_url: str,
    paths: list[str],
    work: Path,
    *,
    concurrency: int,
    seconds: int,
    headers: dict[str, str],
    worker_pids: list[int],
    keep_alive: bool = False,
) -> LoadResult:
    """Load the server; a new connection per request unless ``keep_alive``."""
    script = work / "rotate.lua"
    script.write_text(ROTATE_LUA)
    path_file = work / "paths.txt"
    path_file.write_text("\n".join(paths) + "\n")
    command = [
        require_wrk(),
        "-t",
        str(concurrency),
        "-c",
        str(concurrency),
        "-d",
        f"{seconds}s",
        "--latency",
        "-s",
        str(script),
    ]
    if not keep_alive:
        command += ["-H", "Connection: close"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [base_url, "--", str(path_file), str(concurrency)]
    peak = _RssSampler(worker_pids)
    peak.start()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    peak.stop()
    return LoadResult(
        requests_per_second=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_latency(output, "50%"),
        p99_ms=_latency(output, "99%"),
        requests=int(_find(r"(\d+) requests in", output)),
        errors=_errors(output),
        peak_rss_mib=peak.peak_kib / 1024,
    )


class _RssSampler:
    def __init__(self, pids: list[int]) -> None:
        self._pids = pids
        self.peak_kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.is_set():
            for pid in self._pids:
                with contextlib.suppress(FileNotFoundError):
                    self.peak_kib = max(self.peak_kib, rss_kib(pid))
            time.sleep(0.05)


def _find(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    if match is None:
        raise RuntimeError(f"unexpected wrk output:\n{text}")
    return match.group(1)


def _latency(output: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", output).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _errors(output: str) -> int:
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    total = int(non_2xx.group(1)) if non_2xx else 0
    if socket:
        total += sum(int(part) for part in socket.groups())
    return total
