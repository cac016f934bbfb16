"""Drive a server with wrk: GETs rotating over paths or one POST body sent
again and again, with a new connection per request or with keep-alive (which
pins each connection to one worker process)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from benchmarks.server import WorkerMemory

# Each wrk thread walks its own slice of the path list, so no two requests of a
# "first request" run ask for the same derivative until the list runs out.
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
# The body is read once per thread; wrk adds Content-Length and the -H headers.
POST_LUA = """
local prepared
function init(args)
  local file = assert(io.open(args[1], "rb"))
  local body = file:read("*a")
  file:close()
  wrk.headers["Content-Type"] = args[2]
  prepared = wrk.format("POST", args[3], nil, body)
end
function request()
  return prepared
end
"""

RESPONSE_TIMEOUT_S = 30
# What keep_alive is for each connection mode, in the order the modes run.
CONNECTION_MODES = {"new connection": False, "keep-alive": True}


@dataclass(frozen=True)
class Load:
    """What wrk sends: GETs over ``paths`` in turn, or, with ``body``, a POST
    of that body (of ``content_type``) to the single path."""

    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str = ""


@dataclass
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    peak_rss_mib: float  # the largest worker's peak during this run
    distinct_paths: int

    @property
    def repeated_paths(self) -> bool:
        """More requests than distinct paths: some were asked for twice."""
        return self.requests > self.distinct_paths


Loads = dict[tuple[str, str], Load]  # by (scenario, connection mode)
Results = dict[tuple[str, str], LoadResult]


def both_modes(scenario: str, load: Load) -> Loads:
    return {(scenario, mode): load for mode in CONNECTION_MODES}


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    return path


def run_wrk(
    base_url: str,
    load: Load,
    work: Path,
    *,
    concurrency: int,
    seconds: int,
    memory: WorkerMemory,
    keep_alive: bool = False,
) -> LoadResult:
    """Load the server; a new connection per request unless ``keep_alive``."""
    command = [
        require_wrk(),
        *("-t", str(concurrency), "-c", str(concurrency), "-d", f"{seconds}s"),
        "--latency",
        # wrk's default of 2 s would count a slow render as an error.
        *("--timeout", f"{RESPONSE_TIMEOUT_S}s"),
    ]
    if not keep_alive:
        command += ["-H", "Connection: close"]
    for name, value in load.headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(_script(load, work)), base_url, "--"]
    command += _script_arguments(load, work, concurrency)
    memory.start_run()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return LoadResult(
        requests_per_second=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_latency(output, "50%"),
        p99_ms=_latency(output, "99%"),
        requests=int(_find(r"(\d+) requests in", output)),
        errors=_errors(output),
        peak_rss_mib=memory.run_peak_mib(),
        distinct_paths=len(load.paths),
    )


def _script(load: Load, work: Path) -> Path:
    script = work / ("rotate.lua" if load.body is None else "post.lua")
    script.write_text(ROTATE_LUA if load.body is None else POST_LUA)
    return script


def _script_arguments(load: Load, work: Path, concurrency: int) -> list[str]:
    if load.body is None:
        path_file = work / "paths.txt"
        path_file.write_text("\n".join(load.paths) + "\n")
        return [str(path_file), str(concurrency)]
    body_file = work / "body.bin"
    body_file.write_bytes(load.body)
    return [str(body_file), load.content_type, load.paths[0]]


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
