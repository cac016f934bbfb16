"""HTTP servers in front of the same app: throughput, keep-alive, slow clients.

Run: .venv/bin/python -m benchmarks.servers [--seconds 5] [--rounds 2]

Needs wrk (apt-get install -y wrk). Each candidate serves the real app (SQLite
in a temporary data directory) with 2 worker processes on a free 127.0.0.1
port. Only granian is a dependency; to compare, install the others into the
venv (pip install gunicorn uvicorn httptools uvloop a2wsgi). Candidates whose
packages are missing are skipped:

  granian          ``imageapi serve`` as shipped (4 app threads per worker)
  gunicorn-gthread gunicorn, gthread workers with 4 threads (the former serve)
  uvicorn-a2wsgi   uvicorn (httptools, uvloop) with a2wsgi's WSGI bridge,
                   4 threads per worker

Scenarios, wrk at concurrency 4 for --seconds each:

  healthz close / keep-alive    GET /healthz
  thumb close / keep-alive      a cached 256-px thumbnail, with a bearer token
  original keep-alive           the stored 4000x3000 JPEG (MB/s: file serving)

"close" sends ``Connection: close`` so that each request opens a new
connection (wrk itself always reuses them). Then the slow-client test: 500
sockets send a request line and then one header byte a second; meanwhile 20
normal requests go out at once, each allowed 10 s: how many are answered and
how long the slowest took. The same with 50 sockets that trickle a
request body (more than the app threads of both workers). Candidates run
interleaved, --rounds times, as the machine may be busy; the table has the
median of the rounds.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from benchmarks.photos import photo_jpeg
from benchmarks.server import free_port
from benchmarks.server import sign_up
from benchmarks.wrk import require_wrk
from tests.trickling import SLOW_HEADERS
from tests.trickling import TricklingSockets
from tests.trickling import slow_login_body

SLOW_SOCKETS = 500
SLOW_BODIES = 50
SLOW_BODY = slow_login_body(100_000)
NORMAL_REQUESTS = 20
NORMAL_TIMEOUT_S = 10.0
CANDIDATES = {
    "granian": ("granian", [sys.executable, "-m", "imageapi"]),
    "gunicorn-gthread": (
        "gunicorn",
        [
            *(sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "4"),
            *("-w", "2", "--access-logfile", "-", "-b", "127.0.0.1:{port}"),
            "imageapi.wsgi:application",
        ],
    ),
    "uvicorn-a2wsgi": (
        "a2wsgi",
        [
            *(sys.executable, "-m", "uvicorn", "--factory", "--workers", "2"),
            *("--loop", "uvloop", "--http", "httptools", "--port", "{port}"),
            "benchmarks.servers:asgi_app",
        ],
    ),
}


def asgi_app():
    """For uvicorn: the WSGI app behind a2wsgi's bridge, 4 threads."""
    from a2wsgi import WSGIMiddleware

    from imageapi.app import get_app

    return WSGIMiddleware(get_app(), workers=4)


@dataclass
class Site:
    data_dir: Path
    thumb: str
    original: str
    token: str


@contextmanager
def running(name: str, data_dir: Path) -> Iterator[str]:
    port = free_port()
    command = [part.format(port=port) for part in CANDIDATES[name][1]]
    env = {
        **os.environ,
        "IMAGEAPI_HOST": "127.0.0.1",
        "IMAGEAPI_PORT": str(port),
        "IMAGEAPI_WORKERS": "2",
        "IMAGEAPI_DATA_DIR": str(data_dir),
        "IMAGEAPI_LOG_LEVEL": "warning",
        # One benchmark user sends far more than a person would.
        "IMAGEAPI_LIMITS_REQUESTS_PER_MINUTE": str(10**9),
    }
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
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
            raise RuntimeError(f"{name} did not start")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def prepare_site(work: Path) -> Site:
    """A user, a 4000x3000 photo and its cached 256-px thumbnail."""
    data_dir = work / "data"
    with running("granian", data_dir) as base:
        token = sign_up(base, "bench@example.com")
        auth = {"Authorization": f"Bearer {token}"}
        upload = requests.post(
            f"{base}/api/v1/images",
            headers=auth,
            files={"image": ("photo.jpg", photo_jpeg(4000, 3000), "image/jpeg")},
        )
        upload.raise_for_status()
        original = f"/api/v1/images/{upload.json()['id']}/content"
        thumb = f"{original}?width=256"
        requests.get(base + thumb, headers=auth).raise_for_status()
    return Site(data_dir, thumb, original, token)


def wrk(base: str, path: str, seconds: int, headers: dict[str, str]) -> dict:
    command = [require_wrk(), "-t", "2", "-c", "4", "-d", f"{seconds}s"]
    for header, value in headers.items():
        command += ["-H", f"{header}: {value}"]
    output = subprocess.run(
        [*command, base + path], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", output)
    scale = {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}
    errors = sum(
        int(n)
        for n in re.findall(
            r"(?:Non-2xx or 3xx responses|connect|read|write|timeout)"
            r":? (\d+)",
            output,
        )
    )
    return {
        "rate": rate,
        "mib_s": float(transfer.group(1)) * scale[transfer.group(2)],
        "errors": errors,
    }


def slow_client_test(base: str, count: int, start: bytes) -> dict:
    port = int(base.rsplit(":", 1)[1])
    slow = TricklingSockets("127.0.0.1", port, count, start, every=1.0, byte=b"a")
    try:
        time.sleep(1.0)

        def one(_: int) -> float | None:
            began = time.perf_counter()
            try:
                ok = requests.get(f"{base}/healthz", timeout=NORMAL_TIMEOUT_S).ok
            except requests.RequestException:
                return None
            return time.perf_counter() - began if ok else None

        with ThreadPoolExecutor(NORMAL_REQUESTS) as pool:
            times = list(pool.map(one, range(NORMAL_REQUESTS)))
    finally:
        slow.close()
    answered = [seconds for seconds in times if seconds is not None]
    return {"answered": len(answered), "slowest_s": max(answered, default=0.0)}


def measure(name: str, site: Site, seconds: int) -> dict:
    close = {"Connection": "close"}
    auth = {"Authorization": f"Bearer {site.token}"}
    with running(name, site.data_dir) as base:
        return {
            "healthz close": wrk(base, "/healthz", seconds, close),
            "healthz keep-alive": wrk(base, "/healthz", seconds, {}),
            "thumb close": wrk(base, site.thumb, seconds, {**auth, **close}),
            "thumb keep-alive": wrk(base, site.thumb, seconds, auth),
            "original keep-alive": wrk(base, site.original, seconds, auth),
            "slow headers": slow_client_test(base, SLOW_SOCKETS, SLOW_HEADERS),
            "slow bodies": slow_client_test(base, SLOW_BODIES, SLOW_BODY),
        }


def print_table(names: list[str], rounds: list[dict[str, dict]]) -> None:
    def median(name: str, scenario: str, key: str) -> float:
        return statistics.median(run[name][scenario][key] for run in rounds)

    scenarios = [
        scenario for scenario in rounds[0][names[0]] if not scenario.startswith("slow")
    ]
    print(f"{'scenario':<22}" + "".join(f"{name:>20}" for name in names))
    for scenario in scenarios:
        key = "mib_s" if scenario.startswith("original") else "rate"
        unit = "MiB/s" if key == "mib_s" else "/s"
        cells = []
        for name in names:
            errors = sum(run[name][scenario]["errors"] for run in rounds)
            mark = f" ({errors} err)" if errors else ""
            cells.append(f"{median(name, scenario, key):,.0f} {unit}{mark}")
        print(f"{scenario:<22}" + "".join(f"{cell:>20}" for cell in cells))
    for name in names:
        ratios = [
            run[name]["thumb keep-alive"]["rate"] / run[name]["thumb close"]["rate"]
            for run in rounds
        ]
        health = [
            run[name]["healthz keep-alive"]["rate"] / run[name]["healthz close"]["rate"]
            for run in rounds
        ]
        print(
            f"{name}: keep-alive/close healthz {statistics.median(health):.2f}x, "
            f"thumb {statistics.median(ratios):.2f}x"
        )
    for scenario, count in (
        ("slow headers", SLOW_SOCKETS),
        ("slow bodies", SLOW_BODIES),
    ):
        print(
            f"{scenario} ({count} trickling sockets; {NORMAL_REQUESTS} requests, "
            f"{NORMAL_TIMEOUT_S:.0f} s each):"
        )
        for name in names:
            for number, run in enumerate(rounds, 1):
                slow = run[name][scenario]
                print(
                    f"  {name} round {number}: {slow['answered']}/{NORMAL_REQUESTS}"
                    f" answered, slowest {slow['slowest_s']:.2f} s"
                )
    base = names[0]
    for name in names[1:]:
        for scenario in scenarios:
            key = "mib_s" if scenario.startswith("original") else "rate"
            ratio = median(base, scenario, key) / median(name, scenario, key)
            print(f"{base} / {name}, {scenario}: {ratio:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    require_wrk()
    names = [
        name
        for name, (module, _) in CANDIDATES.items()
        if importlib.util.find_spec(module) is not None
    ]
    skipped = sorted(set(CANDIDATES) - set(names))
    if skipped:
        print(f"skipped (not installed): {', '.join(skipped)}")
    with tempfile.TemporaryDirectory(prefix="imageapi-servers-") as tmp:
        site = prepare_site(Path(tmp))
        rounds = []
        for number in range(args.rounds):
            order = names if number % 2 == 0 else names[::-1]
            rounds.append({name: measure(name, site, args.seconds) for name in order})
            print(f"round {number + 1} done", file=sys.stderr)
    print_table(names, rounds)


if __name__ == "__main__":
    main()
