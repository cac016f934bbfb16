"""Delivery rates in one table: imageapi against thumbor 7 and the earlier project.

Run: .venv/bin/python -m benchmarks.delivery [--seconds 8] [--concurrency 4]
                                             [--only ROW ...] [--set NAME=VALUE ...]

Needs wrk (apt-get install -y wrk); the first run makes
benchmarks/.work/thumbor-venv with thumbor. Every server runs 2 worker
processes; wrk loads it at --concurrency for --seconds per scenario, once with
a new connection per request and once with keep-alive. thumbor runs twice:
without result storage and with its file result storage (warmed first).
Rows (--only picks some):

  cached         the cached 256-px thumbnail: imageapi through a signed URL and
                 authenticated (bearer token), thumbor's unsafe URL
  first-quality  first request, 256 px wide at a distinct JPEG quality
  first-width    first request, a distinct width from 200 to 330 px
  webp           first request, 800-px WebP at a distinct quality
  upload         POST /api/images of a 100 KB JPEG, the earlier project's route
  original       GET /api/image/{id} of that JPEG, the earlier project's route

--set runs imageapi with a setting changed, e.g. --set processing_webp_effort=4
(the name as in IMAGEAPI_PROCESSING_WEBP_EFFORT, lower case, without the prefix).

thumbor has no upload route: those two rows compare with figures recorded for
the earlier project on this machine, whose code is not here to run. The peak
RSS of every worker (the kernel's VmHWM) is read once it has started, after
each scenario and at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from pathlib import Path

import requests
import urllib3

from benchmarks.photos import photo_jpeg
from benchmarks.server import WorkerMemory
from benchmarks.server import running_server
from benchmarks.server import sign_up
from benchmarks.server import wait_for_derived_work
from benchmarks.server import wait_for_workers
from benchmarks.thumbnails import FIRST_REQUEST_ROWS
from benchmarks.thumbnails import Copies
from benchmarks.thumbnails import copies_per_mode
from benchmarks.thumbnails import first_request_loads
from benchmarks.thumbnails import imageapi_cached_loads
from benchmarks.thumbnails import imageapi_copies
from benchmarks.thumbnails import imageapi_first_paths
from benchmarks.thumbnails import thumbor_cached_loads
from benchmarks.thumbnails import thumbor_copies
from benchmarks.thumbnails import thumbor_first_paths
from benchmarks.thumbor import running_thumbor
from benchmarks.wrk import CONNECTION_MODES
from benchmarks.wrk import Load
from benchmarks.wrk import LoadResult
from benchmarks.wrk import Loads
from benchmarks.wrk import Results
from benchmarks.wrk import both_modes
from benchmarks.wrk import run_wrk

WORK = Path(__file__).parent / ".work"
# Requests per second of the earlier project on this machine (2 workers,
# concurrency 4), lowest and highest of its recorded runs.
RECORDED = {"upload": (22.5, 23.6), "original": (202.0, 313.0)}
MAX_RSS_MIB = 150
WORKERS = 2
LEGACY_COPIES = 8
STORED = "stored"
THUMBORS = {"plain": "thumbor 7", STORED: "thumbor 7 + result storage"}
HEADER = (
    "| scenario | connection | imageapi req/s (p50 / p99) | imageapi peak RSS/worker"
    " | thumbor 7 req/s | thumbor 7 + result storage req/s"
    " | earlier project (recorded) req/s"
    " | ours ÷ thumbor 7 / + result storage, or ÷ recorded (bold: judged)"
    " | target | met? |"
)


@dataclass(frozen=True)
class Line:
    """One line of the table: ``ours`` against ``thumbor`` (a scenario key) or,
    without one, against the earlier project's recorded figures."""

    row: str
    label: str
    ours: str
    thumbor: str | None
    target: float
    # The THUMBORS key the target is judged against; None: the lower ratio.
    judged_against: str | None = None

    def target_text(self) -> str:
        against = (
            "highest recorded"
            if self.thumbor is None
            else "result storage"
            if self.judged_against == STORED
            else "both"
        )
        return f"≥ {self.target:.1f}x vs {against}"


LINES = (
    *(
        Line(
            "cached", f"cached 256-px thumbnail, {how}", ours, "cached", target, STORED
        )
        for how, ours, target in (
            ("signed URL", "signed", 1.5),
            ("authenticated", "authenticated", 1.0),
        )
    ),
    *(
        Line(row, label, row, row, target)
        for row, label, target in (
            ("first-quality", "first request, 256 px, distinct JPEG quality", 3.0),
            ("first-width", "first request, distinct width 200-330 px", 3.0),
            ("webp", "first request, 800-px WebP, distinct quality", 1.5),
        )
    ),
    Line("upload", "upload a 100 KB JPEG (`POST /api/images`)", "upload", None, 3.0),
    Line(
        "original", "GET that original (`GET /api/image/{id}`)", "original", None, 3.0
    ),
)
ROWS = list(dict.fromkeys(line.row for line in LINES))


@dataclass(frozen=True)
class Files:
    """The images both servers read: ``root`` is thumbor's image folder."""

    root: Path
    photo: Path  # 4000x3000 photographic JPEG
    hd: Path  # 1920x1080
    small: Path  # about 100 KB
    thumbor_copies: list[Copies]


@dataclass(frozen=True)
class ServerRun:
    results: Results
    startup_mib: list[float]  # each worker's peak RSS before the first request
    serving_mib: list[float]  # and from then to the end


def make_files(root: Path, copies: int) -> Files:
    root.mkdir()
    photo, hd, small = root / "photo.jpg", root / "hd.jpg", root / "small.jpg"
    photo.write_bytes(photo_jpeg(4000, 3000))
    hd.write_bytes(photo_jpeg(1920, 1080, seed=9))
    small.write_bytes(photo_jpeg(680, 510, seed=5))
    return Files(root, photo, hd, small, thumbor_copies(root, photo, hd, copies))


def run_all(
    base: str,
    loads: Loads,
    memory: WorkerMemory,
    work: Path,
    args: argparse.Namespace,
) -> Results:
    return {
        (scenario, mode): run_wrk(
            base,
            load,
            work,
            concurrency=args.concurrency,
            seconds=args.seconds,
            memory=memory,
            keep_alive=CONNECTION_MODES[mode],
        )
        for (scenario, mode), load in loads.items()
    }


def measure_thumbor(
    work: Path, files: Files, args: argparse.Namespace, *, result_storage: bool
) -> ServerRun:
    with running_thumbor(
        WORK, work, files.root, WORKERS, result_storage=result_storage
    ) as (base, pids):
        memory = WorkerMemory(pids)
        loads: Loads = {}
        if "cached" in args.only:
            loads |= thumbor_cached_loads(base)
        loads |= first_request_loads(
            args.only, thumbor_first_paths, files.thumbor_copies, {}
        )
        return ServerRun(
            run_all(base, loads, memory, work, args),
            memory.startup_mib,
            memory.serving_mib(),
        )


def legacy_loads(base: str, files: Files, rows: list[str]) -> Loads:
    """The earlier project's routes, with its cookie login and multipart form."""
    account = {"email": "legacy@example.com", "password": "benchmark password"}
    requests.post(f"{base}/api/user/register", data=account).raise_for_status()
    login = requests.post(f"{base}/api/user/login", data=account)
    login.raise_for_status()
    cookie = {"Cookie": f"auth_token={login.cookies['auth_token']}"}
    body, content_type = urllib3.encode_multipart_formdata(
        [
            ("image", ("small.jpg", files.small.read_bytes(), "image/jpeg")),
            ("tags", '["benchmark"]'),
        ]
    )
    loads: Loads = {}
    if "original" in rows:
        ids = []
        for _ in range(LEGACY_COPIES):
            response = requests.post(
                f"{base}/api/images",
                headers={**cookie, "Content-Type": content_type},
                data=body,
            )
            response.raise_for_status()
            ids.append(response.json()["img_id"])
        paths = [f"/api/image/{image_id}" for image_id in ids]
        loads |= both_modes("original", Load(paths, cookie))
    if "upload" in rows:
        loads |= both_modes("upload", Load(["/api/images"], cookie, body, content_type))
    return loads


def measure_imageapi(work: Path, files: Files, args: argparse.Namespace) -> ServerRun:
    data_dir = work / "imageapi-data"
    # One benchmark user sends far more than a person would: lift the limit
    # out of reach but keep counting, so its cost stays in the figures.
    with running_server(
        data_dir,
        f"sqlite:///{data_dir}.db",
        workers=WORKERS,
        limits_requests_per_minute=10**9,
        **dict(setting.split("=", 1) for setting in args.set),
    ) as (base, process):
        memory = WorkerMemory(wait_for_workers(process.pid, WORKERS))
        auth = {"Authorization": f"Bearer {sign_up(base, 'bench@example.com')}"}
        loads: Loads = {}
        if "cached" in args.only:
            loads |= imageapi_cached_loads(base, auth, files.photo)
        copies = imageapi_copies(
            base,
            auth,
            files.photo,
            files.hd,
            copies_per_mode(args.seconds),
            args.only,
        )
        wait_for_derived_work(base)
        loads |= first_request_loads(args.only, imageapi_first_paths, copies, auth)
        loads |= legacy_loads(base, files, args.only)
        return ServerRun(
            run_all(base, loads, memory, work, args),
            memory.startup_mib,
            memory.serving_mib(),
        )


def number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def rate(result: LoadResult | None) -> str:
    if result is None:
        return "—"
    return (
        f"{number(result.requests_per_second)} "
        f"({number(result.p50_ms)} / {number(result.p99_ms)} ms)"
    )


def comparison(
    line: Line, mine: LoadResult, peers: dict[str, LoadResult]
) -> tuple[str, float]:
    """The ratios as the table shows them, and the one the target checks."""
    ours = mine.requests_per_second
    if line.thumbor is None:
        low, high = RECORDED[line.row]
        return f"**{ours / high:.2f}x**-{ours / low:.2f}x recorded", ours / high
    ratios = {
        name: ours / peer.requests_per_second if peer.requests else math.inf
        for name, peer in peers.items()
    }
    judged = line.judged_against or min(ratios, key=ratios.get)
    cells = [
        f"**{ratio:.2f}x**" if name == judged else f"{ratio:.2f}x"
        for name, ratio in ratios.items()
    ]
    return " / ".join(cells), ratios[judged]


def verdict(line: Line, results: list[LoadResult], ratio: float) -> str:
    problems = [f"{result.errors} errors" for result in results if result.errors]
    if not all(result.requests for result in results):
        problems.append("a run without an answer")
    if line.row in FIRST_REQUEST_ROWS and any(r.repeated_paths for r in results):
        problems.append("a derivative asked for twice")
    if problems:
        return "invalid: " + ", ".join(problems)
    return "yes" if ratio >= line.target else "**no**"


def table(ours: ServerRun, thumbors: dict[str, ServerRun], rows: list[str]) -> str:
    lines = [HEADER, "| --- " * HEADER.count(" | ") + "| --- |"]
    for line in (line for line in LINES if line.row in rows):
        for mode in CONNECTION_MODES:
            mine = ours.results[(line.ours, mode)]
            peers = {
                name: thumbors[name].results[(line.thumbor, mode)]
                for name in THUMBORS
                if line.thumbor
            }
            ratios, judged = comparison(line, mine, peers)
            recorded = (
                "—" if line.thumbor else "-".join(map(number, RECORDED[line.row]))
            )
            cells = [
                line.label,
                mode,
                rate(mine),
                f"{mine.peak_rss_mib:.0f} MiB",
                *(rate(peers.get(name)) for name in THUMBORS),
                recorded,
                ratios,
                line.target_text(),
                verdict(line, [mine, *peers.values()], judged),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    runs = [ours, *(thumbors.get(name) for name in THUMBORS)]
    for label, peaks_of in (
        ("start-up, before the first request", lambda run: run.startup_mib),
        ("serving: setup uploads and every scenario", lambda run: run.serving_mib),
    ):
        peaks = [
            ", ".join(f"{mib:.0f}" for mib in peaks_of(run)) + " MiB" if run else "—"
            for run in runs
        ]
        within = max(peaks_of(ours)) < MAX_RSS_MIB
        lines.append(
            f"| peak RSS of each worker, {label} | | {peaks[0]} | | "
            + " | ".join(peaks[1:])
            + f" | | | < {MAX_RSS_MIB} MiB | {'yes' if within else '**no**'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8, help="per scenario")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--only", action="append", choices=ROWS, help="this row only (repeatable)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an imageapi setting for this run (repeatable)",
    )
    args = parser.parse_args()
    args.only = args.only or ROWS
    began, load_before = time.monotonic(), os.getloadavg()[0]
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as scratch:
        work = Path(scratch)
        files = make_files(work / "images", copies_per_mode(args.seconds))
        thumbors = {}
        if any(line.thumbor for line in LINES if line.row in args.only):
            thumbors = {
                name: measure_thumbor(work, files, args, result_storage=name == STORED)
                for name in THUMBORS
            }
        ours = measure_imageapi(work, files, args)
        small_kb = files.small.stat().st_size / 1000
    print(
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC: 2 workers per server, "
        f"concurrency {args.concurrency}, {args.seconds} s per scenario; "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; "
        f"{time.monotonic() - began:.0f} s in all; the 100 KB JPEG is "
        f"{small_kb:.0f} KB. Recorded: the earlier project's figures on this "
        "machine, not measured in this run."
        + "".join(f" imageapi setting: {setting}." for setting in args.set)
        + "\n"
    )
    print(table(ours, thumbors, args.only))


if __name__ == "__main__":
    main()
