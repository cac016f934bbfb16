"""Upload rate: the earlier project's route and /api/v1/images, then the
near-duplicate lookup's share in a large library.

Run from the repository root (bounded: each scenario runs --seconds):

    .venv/bin/python -m benchmarks.uploads [--seconds 5] [--concurrency 4]
        [--library 100000] [--postgres URL-of-a-scratch-database]

A real server (2 worker processes, SQLite unless --postgres) receives a
~100 KB photographic JPEG (1800x1350, longer than the 1024-px pyramid level,
so every upload has derived work), distinct bytes per request, from
--concurrency client threads, each with a new connection per request and
then with keep-alive. ``POST /api/images`` is the earlier project's route
(multipart ``image`` + ``tags`` JSON); ``POST /api/v1/images`` the current one.

The A/B: one user's library is filled with --library rows inserted directly,
once with fingerprints (every upload's radius query then reads ~1.7 % of
them) and once without (the same rows, bands NULL: the lookup finds nothing
to read), and uploads run into each. The server runs with ``jobs.delay`` off,
so derived work competes with uploads for the CPU as it would in production;
the queue left at the end of each scenario is printed.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pyvips
from sqlalchemy import insert
from sqlalchemy import text

from benchmarks.server import running_server
from benchmarks.server import sign_up
from benchmarks.similar import library
from benchmarks.similar import row
from imageapi.db.engine import make_engine
from imageapi.db.models import Image

WIDTH, HEIGHT = 1800, 1350
QUALITY = 65  # ~100 KB for this scene
SCENE_CELL = 64  # pixels per random colour before smoothing
INSERT_BATCH = 20_000


def photo(seed: int) -> bytes:
    """Smooth colour areas with fine noise, like a downscaled photograph."""
    bands = [
        pyvips.Image.gaussnoise(
            WIDTH // SCENE_CELL + 1,
            HEIGHT // SCENE_CELL + 1,
            sigma=50,
            mean=128,
            seed=seed + n,
        )
        .resize(SCENE_CELL, kernel="cubic")
        .crop(0, 0, WIDTH, HEIGHT)
        for n in range(3)
    ]
    grain = pyvips.Image.gaussnoise(WIDTH, HEIGHT, sigma=1, mean=0, seed=seed + 3)
    image = (bands[0].bandjoin(bands[1:]) + grain).cast("uchar")
    return image.copy(interpretation="srgb").jpegsave_buffer(Q=QUALITY, strip=True)


class Bodies:
    """Distinct JPEGs (one pixel changed per request), thread-safe."""

    def __init__(self, seed: int) -> None:
        self._source = photo(seed)
        self._counter = itertools.count()
        self._lock = threading.Lock()

    def next(self, legacy: bool) -> tuple[bytes, str]:
        with self._lock:
            number = next(self._counter)
        # A JPEG comment segment after SOI makes the bytes distinct cheaply.
        comment = f"upload {number} {uuid.uuid4().hex}".encode()
        data = (
            self._source[:2]
            + b"\xff\xfe"
            + (len(comment) + 2).to_bytes(2, "big")
            + comment
            + self._source[2:]
        )
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
            f'filename="photo.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
            + data
            + b"\r\n"
        ]
        if legacy:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="tags"\r\n\r\n'
                f"{json.dumps(['benchmark', f'n{number % 10}'])}\r\n".encode()
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return body, f"multipart/form-data; boundary={boundary}"


def rate(
    base: str,
    token: str,
    path: str,
    bodies: Bodies,
    seconds: float,
    concurrency: int,
    keep_alive: bool,
) -> tuple[float, int]:
    """(uploads per second answered 201, other answers)."""
    host, port = base.removeprefix("http://").split(":")
    done = [0] * concurrency
    failed = [0] * concurrency
    deadline = time.monotonic() + seconds

    def client(number: int) -> None:
        connection: http.client.HTTPConnection | None = None
        while time.monotonic() < deadline:
            if connection is None:
                connection = http.client.HTTPConnection(host, int(port), timeout=60)
            body, content_type = bodies.next(legacy=path == "/api/images")
            headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
            if not keep_alive:
                headers["Connection"] = "close"
            connection.request("POST", path, body=body, headers=headers)
            answer = connection.getresponse()
            answer.read()
            if answer.status == 201:
                done[number] += 1
            else:
                failed[number] += 1
            if not keep_alive:
                connection.close()
                connection = None
        if connection is not None:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - started), sum(failed)


def queued_jobs(url: str) -> int:

    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM jobs")).scalar_one()
    engine.dispose()
    return count


def wait_for_jobs(url: str, limit: float = 300) -> float:
    """Seconds until the job queue is empty (the derived work caught up)."""
    started = time.monotonic()
    while queued_jobs(url) and time.monotonic() < started + limit:
        time.sleep(0.2)
    return time.monotonic() - started


def fill(url: str, email: str, count: int, fingerprinted: bool) -> None:
    """Insert ``count`` image rows for the user, with or without fingerprints."""
    engine = make_engine(url)
    prints = library(__import__("random").Random(7), count)
    with engine.begin() as connection:
        user_id = connection.execute(
            text("SELECT id FROM users WHERE email = :email"), {"email": email}
        ).scalar_one()
        for start in range(0, count, INSERT_BATCH):
            rows = [
                row(user_id, start + n, p)
                for n, p in enumerate(prints[start : start + INSERT_BATCH])
            ]
            if not fingerprinted:
                for one in rows:
                    for column in ("fingerprint", "band0", "band1", "band2", "band3"):
                        one[column] = None
            connection.execute(insert(Image), rows)
        if url.startswith("sqlite"):
            connection.execute(text("ANALYZE"))
    engine.dispose()


def database_url(work: Path, name: str, postgres: str | None) -> str:
    if postgres is None:
        return f"sqlite:///{work / name / 'imageapi.db'}"
    engine = make_engine(postgres)
    with engine.connect() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        connection.commit()
    engine.dispose()
    return postgres


def scenario(
    work: Path,
    name: str,
    args: argparse.Namespace,
    measure: Callable[[str, str, str], None],
    prepare: Callable[[str, str], None] | None = None,
) -> None:
    url = database_url(work, name, args.postgres)
    (work / name).mkdir(parents=True, exist_ok=True)
    with running_server(work / name, url, workers=2, limits_requests_per_minute=0) as (
        base,
        _process,
    ):
        email = f"{name}@example.com"
        token = sign_up(base, email)
        if prepare is not None:
            prepare(url, email)
        measure(base, token, url)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--library", type=int, default=100_000)
    parser.add_argument("--postgres", default=None)
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    bodies = Bodies(seed=1)
    print(
        f"image: {WIDTH}x{HEIGHT} JPEG, {len(bodies.next(False)[0]) // 1024} KiB form"
    )
    with tempfile.TemporaryDirectory(prefix="imageapi-uploads-") as scratch:
        work = Path(scratch)

        def routes(base: str, token: str, url: str) -> None:
            for path in ("/api/images", "/api/v1/images"):
                for keep_alive in (False, True):
                    per_second, failed = rate(
                        base,
                        token,
                        path,
                        bodies,
                        args.seconds,
                        args.concurrency,
                        keep_alive,
                    )
                    left = queued_jobs(url)
                    drained = wait_for_jobs(url)
                    connection = "keep-alive" if keep_alive else "new connection"
                    print(
                        f"{path:16} {connection:15} {per_second:6.1f} uploads/s"
                        f"  (not 201: {failed}; {left} jobs left, done "
                        f"{drained:.1f} s later)"
                    )

        scenario(work, "routes", args, routes)

        def library_rate(label: str) -> Callable[[str, str, str], None]:
            def measure(base: str, token: str, url: str) -> None:
                per_second, failed = rate(
                    base,
                    token,
                    "/api/v1/images",
                    bodies,
                    args.seconds,
                    args.concurrency,
                    True,
                )
                left = queued_jobs(url)
                drained = wait_for_jobs(url)
                into = f"into {args.library:,} images {label}"
                print(
                    f"{into:46} {per_second:6.1f} uploads/s  (not 201: {failed}; "
                    f"{left} jobs left, done {drained:.1f} s later)"
                )

            return measure

        for fingerprinted in (True, False):
            label = "with fingerprints" if fingerprinted else "without fingerprints"
            scenario(
                work,
                f"library-{int(fingerprinted)}",
                args,
                library_rate(label),
                lambda url, email, f=fingerprinted: fill(url, email, args.library, f),
            )
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
