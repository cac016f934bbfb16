"""Python time per cached-thumbnail request, in process, without a server.

Run: .venv/bin/python -m benchmarks.hit_cost [--requests 3000] [--profile]
     [--postgres URL] [--redis URL]

Builds the app as a server worker does (metrics in multiprocess files, JSON
access log, usage accounting and the rate limit on), uploads one photo, warms
its 256-px thumbnail and a signed URL to it, then calls the WSGI app directly
for each case and reads the body as a server would. Prints CPU
microseconds per request (best of --rounds): the share of a hit that is
ours, steadier on a shared machine than a wrk figure. ``--profile`` prints
the top of a cProfile of each case.
"""

from __future__ import annotations

import argparse
import atexit
import cProfile
import io
import logging
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

# As ``imageapi serve`` runs workers: prometheus_client picks its value class
# when it is imported, so the variable must be set first.
_METRICS_DIR = tempfile.mkdtemp(prefix="imageapi-hit-cost-metrics-")
atexit.register(shutil.rmtree, _METRICS_DIR, ignore_errors=True)
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", _METRICS_DIR)

import falcon.testing  # noqa: E402

from benchmarks.photos import photo_jpeg  # noqa: E402
from imageapi.app import create_app  # noqa: E402
from imageapi.app import prepare  # noqa: E402
from imageapi.config import Config  # noqa: E402
from imageapi.logs import JsonFormatter  # noqa: E402
from tests.helpers import ApiClient  # noqa: E402
from tests.helpers import upload  # noqa: E402

CASES = ("authenticated", "signed", "healthz")
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}


def quiet_json_access_log() -> None:
    """JSON lines as in production, written to /dev/null."""
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def build_app(data_dir: Path, database_url: str, redis_url: str):
    config = Config(
        data_dir=data_dir,
        database_url=database_url,
        redis_url=redis_url,
        auth=FAST_ARGON2,
        limits={"requests_per_minute": 10**9},
    )
    return create_app(prepare(config))


def environ_for(target: str, headers: dict[str, str]) -> dict:
    path, _, query = target.partition("?")
    return falcon.testing.create_environ(path=path, query_string=query, headers=headers)


def call(app, environ: dict) -> int:
    """One request as a WSGI server makes it; returns the body's length."""
    statuses: list[str] = []

    def start_response(status, headers, exc_info=None):
        statuses.append(status)

    body = app(dict(environ), start_response)
    sent = 0
    try:
        for chunk in body:
            sent += len(chunk)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    if not statuses[0].startswith("200"):
        raise SystemExit(f"unexpected {statuses[0]}")
    return sent


def microseconds_per_request(app, environ: dict, requests: int, rounds: int) -> float:
    """CPU time, not wall time: other jobs on the machine do not count."""
    best = float("inf")
    for _ in range(rounds):
        began = time.process_time()
        for _ in range(requests):
            call(app, environ)
        best = min(best, (time.process_time() - began) / requests)
    return best * 1e6


def profile(app, environ: dict, requests: int) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        call(app, environ)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--case", choices=CASES, help="only this one")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--postgres", default="", help="a PostgreSQL database URL")
    parser.add_argument("--redis", default="", help="count the rate limit in Redis")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch) / "data"
        database_url = args.postgres or f"sqlite:///{scratch}/hit-cost.db"
        app = build_app(data_dir, database_url, args.redis)
        quiet_json_access_log()
        client = falcon.testing.TestClient(app)
        api = ApiClient.signed_up(client, f"hit-cost-{os.getpid()}@example.com")
        created = upload(api, photo_jpeg(1600, 1200), name="photo.jpg")
        image_id = created.json["id"]
        hit = f"/api/v1/images/{image_id}/content?width=256"
        signed = api.post(
            f"/api/v1/images/{image_id}/signed-urls",
            json={"params": {"width": 256}, "expires_in": 86400},
        ).json["url"]
        public = urlsplit(signed)
        targets = (
            environ_for(hit, api.auth),
            environ_for(f"{public.path}?{public.query}", {}),
            environ_for("/healthz", {}),
        )
        cases = dict(zip(CASES, targets, strict=True))
        for environ in cases.values():
            call(app, environ)  # warm: the derivative, the fact cache
        for name, environ in cases.items():
            if args.case and name != args.case:
                continue
            cost = microseconds_per_request(app, environ, args.requests, args.rounds)
            print(f"{name:<15} {cost:8.1f} µs/request")
            if args.profile:
                print(profile(app, environ, args.requests))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
