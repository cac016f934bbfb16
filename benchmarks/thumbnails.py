"""Thumbnails, WebP and cache hits: imageapi against thumbor 7, in one run.

Run: .venv/bin/python -m benchmarks.thumbnails [--seconds 15] [--concurrency 4]

Needs wrk (apt-get install -y wrk). Makes benchmarks/.work/thumbor-venv with
thumbor on first use. Both servers get 2 worker processes and every request
opens a new connection (multi-process servers otherwise pin a keep-alive
connection to one worker). Scenarios, each for --seconds at --concurrency:

  thumb-first    256-px-wide thumbnail of a 4000x3000 photographic JPEG, first
                 request (distinct width and copy per request: nothing cached)
  thumb-original the same with imageapi's working copy switched off
  webp-first     800-px-wide WebP of a 1920x1080 JPEG, first request
  hit            the same 256-px thumbnail again (imageapi serves its cached
                 derivative; thumbor, with no result storage, processes again)

Then the cached 256-px thumbnail, each with a new connection per request and
with keep-alive: imageapi authenticated (bearer token: one session lookup),
imageapi signed (a public signed URL: no database), thumbor without result
storage and thumbor with its file result storage (warmed first).
--hits-only runs just that table.

Also prints the in-process limit: a plain loop of the 256-px thumbnail with
pyvips and with Pillow (thumbor's engine) on 2 processes, and the upload time of
the 4000x3000 JPEG with and without the working copy.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from benchmarks.photos import photo_jpeg
from benchmarks.server import running_server
from benchmarks.server import sign_up
from benchmarks.server import worker_pids
from benchmarks.thumbor import running_thumbor
from benchmarks.thumbor import thumbor_python
from benchmarks.wrk import LoadResult
from benchmarks.wrk import run_wrk

WORK = Path(__file__).parent / ".work"
COPIES = 12
WIDTHS = range(200, 456)  # 256 distinct widths around the 256-px target
PILLOW_LOOP = """
import io, sys, time
from PIL import Image
path, seconds = sys.argv[1], float(sys.argv[2])
count, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    with Image.open(path) as image:
        image.draft("RGB", (256, 256))
        image.thumbnail((256, 10000))
        image.save(io.BytesIO(), "JPEG", quality=80)
    count += 1
print(count)
"""
PYVIPS_LOOP = """
import sys, time
import pyvips
path, seconds = sys.argv[1], float(sys.argv[2])
count, end = 0, time.monotonic() + seconds
while time.monotonic() < end:
    pyvips.Image.thumbnail(path, 256).jpegsave_buffer(Q=80)
    count += 1
print(count)
"""


def in_process_rate(python: str, loop: str, path: Path, seconds: float) -> float:
    """Thumbnails per second from a plain loop in 2 processes at once."""
    runs = [
        subprocess.Popen(
            [python, "-c", loop, str(path), str(seconds)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    return sum(int(run.communicate()[0]) for run in runs) / seconds


def upload_copies(base: str, token: str, data: bytes, name: str, copies: int):
    """Upload ``copies`` copies; returns (ids, mean upload seconds)."""
    ids, times = [], []
    for number in range(copies):
        began = time.perf_counter()
        response = requests.post(
            f"{base}/api/v1/images",
            headers={"Authorization": f"Bearer {token}"},
            files={"image": (f"{number}-{name}", data, "image/jpeg")},
        )
        times.append(time.perf_counter() - began)
        response.raise_for_status()
        ids.append(response.json()["id"])
    return ids, statistics.mean(times)


def ours(work: Path, images: Path, args, *, working_copy: bool) -> dict:
    # One benchmark user sends far more than a person would: lift the limit
    # out of reach but keep counting, so its cost stays in the figures.
    settings = {"limits_requests_per_minute": 10**9}
    if not working_copy:
        settings["processing_working_copy_max_side"] = 0
    data_dir = work / ("data-wc" if working_copy else "data-orig")
    shutil.rmtree(data_dir, ignore_errors=True)
    results: dict = {}
    with running_server(
        data_dir, f"sqlite:///{data_dir}.db", workers=2, **settings
    ) as (base, process):
        token = sign_up(base, "bench@example.com")
        auth = {"Authorization": f"Bearer {token}"}
        pids = worker_pids(process.pid)
        photo_ids, results["upload_s"] = upload_copies(
            base,
            token,
            (images / "photo.jpg").read_bytes(),
            "photo.jpg",
            1 if args.hits_only else COPIES,
        )
        if args.hits_only:
            return cached_thumbnail(base, auth, photo_ids[0], work, args, pids)
        thumbs = [
            f"/api/v1/images/{image_id}/content?width={width}"
            for width in WIDTHS
            for image_id in photo_ids
        ]
        results["thumb-first"] = run_wrk(
            base,
            thumbs,
            work,
            concurrency=args.concurrency,
            seconds=args.seconds,
            headers=auth,
            worker_pids=pids,
        )
        if not working_copy:
            return results
        hd_ids, _ = upload_copies(
            base, token, (images / "hd.jpg").read_bytes(), "hd.jpg", COPIES
        )
        webps = [
            f"/api/v1/images/{image_id}/content?width={width}&format=webp"
            for width in range(700, 956)
            for image_id in hd_ids
        ]
        results["webp-first"] = run_wrk(
            base,
            webps,
            work,
            concurrency=args.concurrency,
            seconds=args.seconds,
            headers=auth,
            worker_pids=pids,
        )
        results.update(cached_thumbnail(base, auth, photo_ids[0], work, args, pids))
    return results


def cached_thumbnail(
    base: str, auth: dict, image_id: str, work: Path, args, pids: list[int]
) -> dict:
    """The cached 256-px thumbnail, authenticated and signed, both connection
    modes; keys ``hit``, ``hit-keep``, ``signed``, ``signed-keep``."""
    hit = f"/api/v1/images/{image_id}/content?width=256"
    requests.get(base + hit, headers=auth).raise_for_status()  # warm the cache
    signed = requests.post(
        f"{base}/api/v1/images/{image_id}/signed-urls",
        headers=auth,
        json={"params": {"width": 256}, "expires_in": 86400},
    )
    signed.raise_for_status()
    public = urlsplit(signed.json()["url"])
    public_path = f"{public.path}?{public.query}"
    requests.get(base + public_path).raise_for_status()
    run = {
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "worker_pids": pids,
    }
    return {
        "hit": run_wrk(base, [hit], work, headers=auth, **run),
        "hit-keep": run_wrk(base, [hit], work, headers=auth, keep_alive=True, **run),
        "signed": run_wrk(base, [public_path], work, headers={}, **run),
        "signed-keep": run_wrk(
            base, [public_path], work, headers={}, keep_alive=True, **run
        ),
    }


def thumbor_hits(work: Path, images: Path, args) -> dict:
    """thumbor's cached thumbnail: file result storage, warmed first."""
    with running_thumbor(WORK, work, images, result_storage=True) as (base, pids):
        path = "/unsafe/256x0/photo.jpg"
        for _ in range(4):  # every worker process: each one stores and reads
            requests.get(base + path).raise_for_status()
        run = {
            "concurrency": args.concurrency,
            "seconds": args.seconds,
            "headers": {},
            "worker_pids": pids,
        }
        return {
            "stored": run_wrk(base, [path], work, **run),
            "stored-keep": run_wrk(base, [path], work, keep_alive=True, **run),
        }


def thumbor(work: Path, images: Path, args) -> dict:
    with running_thumbor(WORK, work, images) as (base, pids):
        thumbs = [f"/unsafe/{width}x0/photo.jpg" for width in WIDTHS]
        webps = [
            f"/unsafe/{width}x0/filters:format(webp)/hd.jpg"
            for width in range(700, 956)
        ]
        run = {
            "concurrency": args.concurrency,
            "seconds": args.seconds,
            "headers": {},
            "worker_pids": pids,
        }
        hit = ["/unsafe/256x0/photo.jpg"]
        results = {
            "hit": run_wrk(base, hit, work, **run),
            "hit-keep": run_wrk(base, hit, work, keep_alive=True, **run),
        }
        if not args.hits_only:
            results["thumb-first"] = run_wrk(base, thumbs, work, **run)
            results["webp-first"] = run_wrk(base, webps, work, **run)
        return results


def row(name: str, mine: LoadResult | None, peer: LoadResult | None) -> str:
    def cell(result: LoadResult | None) -> str:
        if result is None:
            return f"{'-':>34}"
        return (
            f"{result.requests_per_second:8.1f}/s {result.p50_ms:7.1f} "
            f"{result.p99_ms:7.1f} ms {result.peak_rss_mib:5.0f} MiB"
        )

    ratio = (
        f"{mine.requests_per_second / peer.requests_per_second:5.2f}x"
        if mine and peer
        else ""
    )
    errors = sum(result.errors for result in (mine, peer) if result)
    note = f"  ({errors} errors)" if errors else ""
    return f"{name:<15} {cell(mine)} | {cell(peer)} | {ratio}{note}"


def print_hits(mine: dict, peer: dict, peer_stored: dict) -> None:
    print("\ncached 256-px thumbnail: req/s, p50, p99 (new connection | keep-alive)")
    for name, close, keep in (
        ("imageapi auth", mine["hit"], mine["hit-keep"]),
        ("imageapi signed", mine["signed"], mine["signed-keep"]),
        ("thumbor", peer["hit"], peer["hit-keep"]),
        ("thumbor+result", peer_stored["stored"], peer_stored["stored-keep"]),
    ):
        print(f"{name:<16} {hit_cell(close)} | {hit_cell(keep)}")


def hit_cell(result: LoadResult) -> str:
    errors = f" ({result.errors} errors)" if result.errors else ""
    return (
        f"{result.requests_per_second:8.1f}/s {result.p50_ms:6.1f} "
        f"{result.p99_ms:6.1f} ms{errors}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--hits-only", action="store_true", help="only the cached-thumbnail table"
    )
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as scratch:
        work = Path(scratch)
        images = work / "images"
        images.mkdir()
        (images / "photo.jpg").write_bytes(photo_jpeg(4000, 3000))
        (images / "hd.jpg").write_bytes(photo_jpeg(1920, 1080, seed=9))
        peer = thumbor(work, images, args)
        peer_stored = thumbor_hits(work, images, args)
        with_copy = ours(work, images, args, working_copy=True)
        if args.hits_only:
            print_hits(with_copy, peer, peer_stored)
            return
        without_copy = ours(work, images, args, working_copy=False)
        pyvips_rate = in_process_rate(
            str(Path(__file__).parents[1] / ".venv/bin/python"),
            PYVIPS_LOOP,
            images / "photo.jpg",
            10,
        )
        pillow_rate = in_process_rate(
            str(thumbor_python(WORK)), PILLOW_LOOP, images / "photo.jpg", 10
        )
    print(
        f"{'scenario':<15} {'imageapi: req/s, p50, p99, peak RSS/worker':>34} | "
        f"{'thumbor 7':>34} | ours/thumbor"
    )
    print(row("thumb-first", with_copy["thumb-first"], peer["thumb-first"]))
    print(row("thumb-original", without_copy["thumb-first"], peer["thumb-first"]))
    print(row("webp-first", with_copy["webp-first"], peer["webp-first"]))
    print(row("hit", with_copy["hit"], peer["hit"]))
    print_hits(with_copy, peer, peer_stored)
    print(
        f"in-process limit, 256-px thumbnail, 2 processes: pyvips {pyvips_rate:.1f}/s, "
        f"Pillow {pillow_rate:.1f}/s"
    )
    print(
        f"upload of the 4000x3000 JPEG: {with_copy['upload_s'] * 1000:.0f} ms with the "
        f"working copy, {without_copy['upload_s'] * 1000:.0f} ms without"
    )


if __name__ == "__main__":
    main()
