"""Another user's thumbnail latency under greedy, flooding and slow clients.

Run: .venv/bin/python -m benchmarks.availability [--samples 30]
     [--scenarios greedy,flood,bodies,hostile] [--flood-addresses 1]
     [--slow-bodies 500]

Starts a real server (2 workers, SQLite, default limits and argon2 settings)
and measures one user's first-request thumbnails (of a 1600x1200 JPEG, 200 to
500 px wide, a new width each time so every request renders), alone and then
for each scenario just before ("before ...") and during it:

* greedy: a greedy user loops 4 clients of
  ``width=8192&height=8192&fit=fill&enlarge=1&blur=100`` (varying the quality
  to miss the cache);
* flood: 8 clients post logins with random emails, from ``--flood-addresses``
  loopback addresses in turn: paced at ``--flood-rate`` attempts per second
  in all (10 by default), then as fast as answers come;
* bodies: ``--slow-bodies`` sockets send a login's headers and then one byte
  of its body per second;
* hostile: uploads of hostile files (a JPEG cut short after its header, a
  progressive 10000x10000 JPEG, a 100,000-page TIFF, a 100-frame 1000x1000
  animated WebP), and a render of the animation.

Each phase prints p50/p95/p99, the ratio of its p50 to the p50 just before,
the status codes and the workers' peak RSS, sampled every 20 ms from /proc.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import itertools
import json
import secrets
import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pyvips
import requests

from benchmarks.server import percentile
from benchmarks.server import rss_kib
from benchmarks.server import running_server
from benchmarks.server import sign_up
from benchmarks.server import worker_pids
from tests.trickling import TricklingSockets
from tests.trickling import slow_login_body

GREEDY = "width=8192&height=8192&fit=fill&enlarge=1&blur=100&quality={}"
TIMEOUT = 120
FLOOD_CLIENTS = 8


class PeakRss:
    """The largest RSS of any worker while the block runs, in MiB."""

    def __init__(self, master_pid: int) -> None:
        self._pids = worker_pids(master_pid)
        self._stop = threading.Event()
        self.peak_mib = 0.0
        self.start_mib = max(rss_kib(pid) for pid in self._pids) / 1024

    def __enter__(self) -> PeakRss:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            for pid in self._pids:
                with contextlib.suppress(FileNotFoundError):  # a worker restarted
                    self.peak_mib = max(self.peak_mib, rss_kib(pid) / 1024)
            time.sleep(0.02)


def thumbnails(base: str, token: str, image_id: str, count: int, offset: int):
    """``count`` first-request thumbnails one after another: latencies in ms."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    latencies, statuses = [], Counter()
    for n in range(count):
        started = time.perf_counter()
        answer = session.get(
            f"{base}/api/v1/images/{image_id}/content?width={200 + offset + n}",
            timeout=TIMEOUT,
        )
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[answer.status_code] += 1
    return latencies, statuses


def under_load(
    load: Callable[[threading.Event], Counter], clients: int, measure: Callable
):
    """Run ``clients`` copies of ``load`` while ``measure`` runs; their statuses."""
    stop = threading.Event()
    with ThreadPoolExecutor(clients) as pool:
        loads = [pool.submit(load, stop) for _ in range(clients)]
        time.sleep(1)  # let the load build up
        try:
            result = measure()
        finally:
            stop.set()
        statuses = sum((future.result() for future in loads), Counter())
    return result, statuses


def greedy_client(base: str, token: str, image_id: str) -> Callable:
    def loop(stop: threading.Event) -> Counter:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        statuses: Counter = Counter()
        while not stop.is_set():
            quality = 1 + secrets.randbelow(100)
            answer = session.get(
                f"{base}/api/v1/images/{image_id}/content?{GREEDY.format(quality)}",
                timeout=TIMEOUT,
            )
            statuses[answer.status_code] += 1
        return statuses

    return loop


def login_flood(base: str, interval: float, addresses: int) -> Callable:
    """Logins with random emails, one every ``interval`` s per client (0: no
    pause), each from the next of ``addresses`` loopback addresses."""
    url = urlsplit(base)
    sources = itertools.cycle(
        [f"127.0.{n // 250}.{2 + n % 250}" for n in range(addresses)]
    )

    def loop(stop: threading.Event) -> Counter:
        statuses: Counter = Counter()
        next_at = time.monotonic()
        while not stop.wait(max(0.0, next_at - time.monotonic())):
            next_at += interval
            connection = http.client.HTTPConnection(
                url.hostname,
                url.port,
                timeout=TIMEOUT,
                source_address=(next(sources), 0),
            )
            body = json.dumps(
                {
                    "email": f"{secrets.token_hex(8)}@example.com",
                    "password": "guess-1234",
                }
            )
            connection.request(
                "POST", "/api/v1/sessions", body, {"Content-Type": "application/json"}
            )
            statuses[connection.getresponse().status] += 1
            connection.close()
        return statuses

    return loop


def report(name: str, latencies: list[float], rss: PeakRss, load: Counter | None):
    print(
        f"{name:<26} p50 {statistics.median(latencies):7.1f} ms  "
        f"p95 {percentile(latencies, 0.95):7.1f} ms  "
        f"p99 {percentile(latencies, 0.99):7.1f} ms  "
        f"peak worker RSS {rss.peak_mib:6.1f} MiB (from {rss.start_mib:.1f})"
        + (f"  load answers {dict(load)}" if load is not None else "")
    )


def hostile_files(work: Path) -> dict[str, tuple[bytes, str]]:
    whole = pyvips.Image.black(10000, 10000, bands=3).jpegsave_buffer(Q=50)
    scan = whole.index(b"\xff\xda")
    scan_data = scan + 2 + int.from_bytes(whole[scan + 2 : scan + 4])
    cut_short = whole[:scan_data] + whole[scan_data:631] + b"\xff\xd9"
    progressive = pyvips.Image.black(10000, 10000, bands=3).jpegsave_buffer(
        Q=50, interlace=True
    )
    pages = pyvips.Image.black(4, 4 * 100_000, bands=3).copy()
    pages.set_type(pyvips.GValue.gint_type, "page-height", 4)
    frames = [
        pyvips.Image.black(1000, 1000)
        # Colours far apart: the encoder merges frames that look alike.
        .new_from_image([n * 53 % 256, n * 97 % 256, n * 151 % 256])
        .copy(interpretation="srgb")
        for n in range(100)
    ]
    animation = pyvips.Image.arrayjoin(frames, across=1).copy()
    animation.set_type(pyvips.GValue.gint_type, "page-height", 1000)
    animation.set_type(pyvips.GValue.array_int_type, "delay", [40] * 100)
    return {
        "633-byte JPEG claiming 10000x10000": (cut_short, "image/jpeg"),
        "progressive 10000x10000 JPEG": (progressive, "image/jpeg"),
        "100,000-page TIFF": (pages.tiffsave_buffer(), "image/tiff"),
        "100-frame 1000x1000 WebP": (
            animation.webpsave_buffer(effort=0, Q=50),
            "image/webp",
        ),
    }


SCENARIOS = ("greedy", "flood", "bodies", "hostile")


@dataclass
class Bench:
    base: str
    master_pid: int
    tokens: dict[str, str]
    ids: dict[str, str]
    samples: int
    offset: int = 0

    def thumbnails(self) -> tuple[list[float], Counter]:
        """The other user's next ``samples`` first-request thumbnails."""
        self.offset += self.samples
        return thumbnails(
            self.base,
            self.tokens["other"],
            self.ids["other"],
            self.samples,
            self.offset,
        )

    def alone(self, name: str = "alone") -> float:
        with PeakRss(self.master_pid) as rss:
            latencies, _ = self.thumbnails()
        report(name, latencies, rss, None)
        return statistics.median(latencies)

    def under(self, name: str, load: Callable, clients: int, before: float) -> None:
        with PeakRss(self.master_pid) as rss:
            (latencies, statuses), answers = under_load(load, clients, self.thumbnails)
        report(name, latencies, rss, answers)
        print(
            f"{'':<26} p50 {statistics.median(latencies) / before:.1f}x the "
            f"p50 before; the other user's answers {dict(statuses)}"
        )


def greedy_scenario(bench: Bench, args: argparse.Namespace) -> None:
    load = greedy_client(bench.base, bench.tokens["greedy"], bench.ids["greedy"])
    bench.under("with greedy renderer", load, 4, bench.alone("before greedy"))


def flood_scenario(bench: Bench, args: argparse.Namespace) -> None:
    before = bench.alone("before login flood")
    for name, rate in (
        (f"login flood {args.flood_rate:g}/s", args.flood_rate),
        ("login flood, no pause", 0),
    ):
        interval = FLOOD_CLIENTS / rate if rate else 0.0
        load = login_flood(bench.base, interval, args.flood_addresses)
        bench.under(name, load, FLOOD_CLIENTS, before)


def bodies_scenario(bench: Bench, args: argparse.Namespace) -> None:
    before = bench.alone("before slow bodies")
    url = urlsplit(bench.base)
    slow = TricklingSockets(
        url.hostname, url.port, args.slow_bodies, slow_login_body(100_000), every=1
    )
    try:
        time.sleep(2)  # every socket has sent its headers and a byte or two
        bench.under(
            f"{args.slow_bodies} slow bodies", lambda stop: Counter(), 1, before
        )
    finally:
        print(f"{'':<26} slow sockets' answers {dict(slow.close())}")


def hostile_scenario(bench: Bench, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        hostile = hostile_files(Path(scratch))
    headers = {"Authorization": f"Bearer {bench.tokens['bombs']}"}
    for name, (data, content_type) in hostile.items():
        with PeakRss(bench.master_pid) as rss:
            started = time.perf_counter()
            answer = requests.post(
                f"{bench.base}/api/v1/images",
                headers=headers,
                files={"image": ("hostile", data, content_type)},
                timeout=TIMEOUT,
            )
            took = time.perf_counter() - started
        print(
            f"upload {name:<36} {answer.status_code}  {took:5.2f} s  "
            f"peak worker RSS {rss.peak_mib:6.1f} MiB (from {rss.start_mib:.1f})"
        )
        if answer.status_code == 201 and "WebP" in name:
            image_id = answer.json()["id"]
            with PeakRss(bench.master_pid) as rss:
                started = time.perf_counter()
                render = requests.get(
                    f"{bench.base}/api/v1/images/{image_id}/content"
                    "?width=1000&format=webp",
                    headers=headers,
                    timeout=TIMEOUT,
                )
                took = time.perf_counter() - started
            print(
                f"render it: width=1000&format=webp{'':<7} "
                f"{render.status_code}  {took:5.2f} s  peak worker RSS "
                f"{rss.peak_mib:6.1f} MiB (from {rss.start_mib:.1f})"
            )


RUN = {
    "greedy": greedy_scenario,
    "flood": flood_scenario,
    "bodies": bodies_scenario,
    "hostile": hostile_scenario,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument(
        "--flood-rate",
        type=float,
        default=10,
        help="login attempts per second of the paced flood (all clients)",
    )
    parser.add_argument(
        "--flood-addresses",
        type=int,
        default=1,
        help="loopback addresses the flood comes from, one after another",
    )
    parser.add_argument("--slow-bodies", type=int, default=500)
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help="comma-separated subset"
    )
    args = parser.parse_args()
    photo = pyvips.Image.gaussnoise(1600, 1200, sigma=40, mean=128).cast("uchar")
    photo_bytes = photo.bandjoin([photo, photo]).jpegsave_buffer(Q=90)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        database = f"sqlite:///{work / 'bench.db'}"
        with running_server(work / "data", database, workers=2) as (base, process):
            # All sign up first: the floods lock this address out of logging in.
            tokens = {
                name: sign_up(base, f"{name}@example.com")
                for name in ("other", "greedy", "bombs")
            }
            ids = {}
            for name in ("other", "greedy"):
                answer = requests.post(
                    f"{base}/api/v1/images",
                    headers={"Authorization": f"Bearer {tokens[name]}"},
                    files={"image": ("photo.jpg", photo_bytes, "image/jpeg")},
                    timeout=TIMEOUT,
                )
                answer.raise_for_status()
                ids[name] = answer.json()["id"]
            bench = Bench(base, process.pid, tokens, ids, args.samples)
            bench.alone()
            for scenario in args.scenarios.split(","):
                RUN[scenario](bench, args)


if __name__ == "__main__":
    main()
